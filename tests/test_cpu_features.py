"""``__builtin_cpu_supports()`` in extensions: zlig's runtime
(src/zlig/builder/cpu_features.c) provides what Zig's runtime library lacks,
with the bit numbers Zig's clang reads, and only to extensions that use it."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from zlig.builder.plan import CPU_RUNTIME

from .conftest import check, check_wheel, hook_value, run_hook, run_on_arm64

#: /proc/cpuinfo's names for clang's feature names, where they differ.
CPUINFO = {
    "sse3": "pni",
    "sse4.1": "sse4_1",
    "sse4.2": "sse4_2",
    "pclmul": "pclmulqdq",
    "bmi": "bmi1",
    "lzcnt": "abm",
    "sha": "sha_ni",
    # Linux writes these with an underscore (arch/x86/include/asm/cpufeatures.h).
    "avx512vbmi2": "avx512_vbmi2",
    "avx512vnni": "avx512_vnni",
    "avx512bitalg": "avx512_bitalg",
    "avx512vpopcntdq": "avx512_vpopcntdq",
    "avx512bf16": "avx512_bf16",
    "avx512vp2intersect": "avx512_vp2intersect",
}
LEVELS = ("x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4")


def runtime_bits(arch: str) -> dict[str, int]:
    """The runtime's ``F_NAME = n`` for one architecture, by clang's feature name."""
    text = CPU_RUNTIME.read_text()
    start = text.index("defined(__x86_64__)" if arch == "x86_64" else "defined(__aarch64__)")
    enum = text[start:].split("enum {", 2)[2 if arch == "x86_64" else 1].split("};")[0]
    names = {"SSE4_1": "sse4.1", "SSE4_2": "sse4.2", "SSE4_A": "sse4a"}
    bits = {}
    for name, value in re.findall(r"F_(\w+) = (\d+)", enum):
        clang = names.get(name, name.lower().replace("x86_64", "x86-64").replace("_v", "-v"))
        bits[clang] = int(value)
    return bits


def compiler_mask(arch: str, feature: str, tmp_path: Path) -> tuple[str, int]:
    """The variable and the bits that Zig's clang tests for the feature:
    ("__cpu_model", 1 << 10) for avx2; every bit of an aarch64 mask (a
    feature and those it implies)."""
    from zlig.builder.zig import find_zig

    source = tmp_path / "f.c"
    source.write_text(f'int f(void) {{ return __builtin_cpu_supports("{feature}"); }}\n')
    ir = tmp_path / "f.ll"
    check(
        [find_zig(), "cc", "-target", f"{arch}-linux-gnu", "-O2", "-S", "-emit-llvm", source]
        + ["-o", ir]
    )
    body = ir.read_text().split("define", 1)[1].split("\n}", 1)[0]
    load = re.search(r"load i(32|64), ptr (?:getelementptr[^@]*)?@(\w+)(?:, i64 (\d+))?", body)
    assert load, body
    offset = int(load[3] or 0)
    mask = re.search(r"and i(?:32|64) %\d+, (\d+)", body)
    shift = re.search(r"lshr i(?:32|64) %\d+, (\d+)", body)
    if mask and int(mask[1]) != 1:
        bits = int(mask[1])
    else:
        bits = 1 << int(shift[1] if shift else 0)
    word = {"__cpu_model": (offset - 12) // 4, "__cpu_features2": 1 + offset // 4}
    return load[2], bits << (32 * word.get(load[2], 0))


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_runtime_bits_are_the_compilers(arch: str, tmp_path: Path) -> None:
    bits = runtime_bits(arch)
    assert len(bits) >= (40 if arch == "x86_64" else 20)
    assert len(set(bits.values())) == len(bits)
    for feature, bit in bits.items():
        variable, mask = compiler_mask(arch, feature, tmp_path)
        if arch == "x86_64":
            assert mask == 1 << bit, (feature, bit, bin(mask))
            continue
        # aarch64 features imply others (sve: fp, fp16): the compiler tests
        # them all, so each must be one the runtime sets.
        assert variable == "__aarch64_cpu_features"
        tested = {i for i in range(64) if mask >> i & 1}
        assert bit in tested and tested <= set(bits.values()), (feature, bit, tested)


def cpuinfo_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text()
    return set(text.partition("\nflags")[2].partition("\n")[0].split(":")[1].split())


def test_builtin_cpu_supports_tells_the_truth(project, make_venv, tmp_path: Path) -> None:
    path = project("cpufeatures")
    name = str(hook_value(run_hook(path, "build_wheel('dist')")))
    wheel = path / "dist" / name
    check_wheel(wheel)
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "--no-index", wheel])
    flags = cpuinfo_flags()
    features = [f for f in runtime_bits("x86_64") if f not in LEVELS]
    code = "import cpufeatures as c, sys; print(*[c.supports(f) for f in sys.argv[1:]])"
    out = check([python, "-c", code, *features], cwd=tmp_path).stdout.split()
    got = dict(zip(features, map(int, out)))
    assert got == {f: int(CPUINFO.get(f, f) in flags) for f in features}
    vendor = "intel" if "GenuineIntel" in Path("/proc/cpuinfo").read_text() else "amd"
    code = f"import cpufeatures as c; print(c.is_vendor({vendor!r}), c.supports('x86-64'))"
    assert check([python, "-c", code], cwd=tmp_path).stdout == "True 1\n"


def test_runtime_only_where_used(project, tmp_path: Path) -> None:
    """The demo, which does not ask, carries none of it (strip = false)."""
    path = project("demo")
    (path / "pyproject.toml").write_text(
        (path / "pyproject.toml").read_text().replace("[tool.zlig]", "[tool.zlig]\nstrip = false")
    )
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    with zipfile.ZipFile(wheel) as zf:
        (so,) = [n for n in zf.namelist() if n.endswith(".so")]
        zf.extract(so, tmp_path)
    symbols = subprocess.run(["nm", tmp_path / so], capture_output=True, text=True).stdout
    assert "PyInit__core" in symbols and "__cpu_indicator_init" not in symbols


@pytest.mark.slow
@pytest.mark.emulated
def test_builtin_cpu_supports_on_aarch64(project, sysroot: Path, tmp_path: Path) -> None:
    """Under qemu (whose CPU has SVE, SVE2 and the rest) the runtime reads the
    kernel's HWCAP bits."""
    path = project("cpufeatures")
    include = os.pathsep.join(
        [str(sysroot / "usr/include/python3.11"), str(sysroot / "usr/include")]
    )
    settings = {
        "target": "aarch64-linux-gnu",
        "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
        "target-include-dir": include,
    }
    name = str(hook_value(run_hook(path, f"build_wheel('dist', {settings!r})")))
    code = "import cpufeatures as c; print(*[c.supports(f) for f in %r])"
    features = ["fp", "simd", "sve", "sve2", "crc", "aes", "dotprod", "nonsense"]
    out = run_on_arm64(sysroot, path / "dist" / name, code % features, tmp_path)
    assert out == "1 1 1 1 1 1 1 -1\n"
