#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

extern "C" int flagged_upper(const char *text, char *out, int size) {
    std::string s(text);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    if (static_cast<int>(s.size()) >= size)
        return -1;
    std::memcpy(out, s.c_str(), s.size() + 1);
    return 0;
}
