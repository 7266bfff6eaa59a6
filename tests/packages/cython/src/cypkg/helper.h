int helper_add(int a, int b);
