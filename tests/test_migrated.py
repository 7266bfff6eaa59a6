"""What real setuptools projects bring, class by class: a folder named like an
extension-only module, Python code in another folder, SIMD run-time dispatch
(target attributes, per-source flags, assembly), setup.py's linker flags."""

from __future__ import annotations

import os
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from zlig.config import settings as config
from zlig.runtime.errors import ConfigError

from .conftest import check, check_wheel, hook_value, run_hook, run_on_arm64, wheel_members

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
SUFFIX = f".cpython-{VERSION}-x86_64-linux-gnu.so"
TAG = f"cp{VERSION}-cp{VERSION}"


def sdist_members(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as tf:
        return {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}


def build(path: Path, hook: str = "build_wheel('dist')") -> Path:
    return path / "dist" / str(hook_value(run_hook(path, hook)))


def install(make_venv, wheel: Path) -> Path:
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel])
    return python


@pytest.mark.parametrize("folder", ["src/spam", "spam"])
def test_extension_only_distribution_with_a_source_folder(project, make_venv, folder: str) -> None:
    """Extension("spam", ["src/spam/spam.c", ...]): the folder is no package."""
    path = project("srcfolder")
    if folder == "spam":  # the same, without src/
        (path / "src" / "spam").rename(path / "spam")
        (path / "src").rmdir()
        toml = path / "pyproject.toml"
        toml.write_text(toml.read_text().replace("src/spam/", "spam/"))
    wheel = build(path)
    assert wheel.name == f"spam-1.0-{TAG}-manylinux_2_5_x86_64.manylinux1_x86_64.whl"
    dist_info = "spam-1.0.dist-info"
    assert wheel_members(wheel) == {
        f"spam{SUFFIX}",
        *(f"{dist_info}/{n}" for n in ("METADATA", "WHEEL", "RECORD")),
    }
    check_wheel(wheel)
    sdist = build(path, "build_sdist('dist')")
    assert sdist_members(sdist) == {
        "pyproject.toml",
        "PKG-INFO",
        *(f"{folder}/{name}" for name in ("spam.c", "vendor/checksum.c", "vendor/checksum.h")),
    }
    python = install(make_venv, wheel)
    out = check([python, "-c", "import spam; print(spam.checksum(b'abcde'), spam.__file__)"])
    value, where = out.stdout.split()
    assert value == "51440" and where.endswith(f"/site-packages/spam{SUFFIX}")


def test_python_source_folder(project, make_venv, tmp_path: Path) -> None:
    """package_dir={"": "python"}: python-source = "python"; sdist -> wheel too."""
    path = project("pysource")
    # flit-core reads the version from python/pyspam/__init__.py: nothing to install.
    requires = hook_value(run_hook(path, "get_requires_for_build_wheel()"))
    assert [r for r in requires if not r.startswith("ziglang")] == []  # type: ignore[union-attr]
    wheel = build(path)
    assert wheel_members(wheel) == {
        "pyspam/__init__.py",
        f"pyspam/_core{SUFFIX}",
        *(f"pyspam-1.0.dist-info/{n}" for n in ("METADATA", "WHEEL", "RECORD")),
    }
    check_wheel(wheel)
    sdist = build(path, "build_sdist('dist')")
    assert sdist_members(sdist) == {
        "pyproject.toml",
        "PKG-INFO",
        "python/pyspam/__init__.py",
        "csrc/core.c",
    }
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp_path / "unpacked")
    again = build(tmp_path / "unpacked" / "pyspam-1.0")
    assert wheel_members(again) == wheel_members(wheel)
    python = install(make_venv, again)
    out = check([python, "-c", "import pyspam; print(pyspam.nine_times(2))"], cwd=tmp_path)
    assert out.stdout == "18\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("'lib'", "tool.zlig.python-source: 'lib' is not a folder"),
        ("'..'", "tool.zlig.python-source: '..' must be a folder inside the project, e.g. 'lib'"),
        (
            "'/tmp'",
            "tool.zlig.python-source: '/tmp' must be a folder inside the project, e.g. 'lib'",
        ),
        ("''", "tool.zlig.python-source: '' must be a folder inside the project, e.g. 'lib'"),
        ("3", "tool.zlig.python-source must be a string, not an integer"),
        (
            '"a\\u0000b"',
            "tool.zlig.python-source: 'a\\x00b' must be a folder inside the project, e.g. 'lib'",
        ),
        (
            "'csrc'",
            "tool.zlig.python-source: 'csrc' holds no module or package 'pyspam' "
            "(a .py file, or a folder with __init__.py)",
        ),
    ],
)
def test_python_source_errors(project, value: str, message: str) -> None:
    path = project("pysource")
    toml = path / "pyproject.toml"
    toml.write_text(
        toml.read_text().replace('python-source = "python"', f"python-source = {value}")
    )
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == message


def cpu_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text()
    return set(text.partition("\nflags")[2].partition("\n")[0].split(":")[1].split())


def test_simd_dispatch_on_x86_64(project, make_venv, tmp_path: Path) -> None:
    """AVX-512 by target attribute, AVX2 by a per-source -mavx2, SSE2 in a .S
    file: one baseline wheel, the path chosen at run time, and forced down."""
    path = project("simd")
    wheel = build(path)
    assert wheel.name.startswith(f"simdsum-1.0-{TAG}-manylinux_")
    assert wheel_members(wheel) == {
        "simdsum/__init__.py",
        f"simdsum/_sum{SUFFIX}",
        *(f"simdsum-1.0.dist-info/{n}" for n in ("METADATA", "WHEEL", "RECORD")),
    }
    check_wheel(wheel)
    # Every instruction set's code is in the one extension.
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(f"simdsum/_sum{SUFFIX}", tmp_path)
    code = check(["objdump", "-d", tmp_path / "simdsum" / f"_sum{SUFFIX}"]).stdout
    assert "%zmm" in code and "%ymm" in code and "psadbw" in code
    sdist = build(path, "build_sdist('dist')")
    assert "csrc/arm/sum_scalar.S" in sdist_members(sdist)  # another architecture's source

    flags = cpu_flags()
    best = "avx512" if {"avx512f", "avx512bw"} <= flags else "avx2" if "avx2" in flags else "sse2"
    python = install(make_venv, wheel)
    code = (
        "import simdsum; d = bytes(range(256)) * 999 + b'abc'; "
        "assert simdsum.total(d) == sum(d); print(simdsum.path(), *simdsum.paths())"
    )
    for cap, expected in [(None, best), ("avx2", min(best, "avx2")), ("sse2", "sse2")]:
        env = dict(os.environ, SIMDSUM_MAX=cap) if cap else None
        out = check([python, "-c", code], env=env).stdout
        assert out == f"{expected} generic sse2 avx2 avx512\n"
    out = check([python, "-c", code], env=dict(os.environ, SIMDSUM_MAX="generic")).stdout
    assert out.startswith("generic ")
    # CRC-32C by SSE 4.2's crc32 (target("sse4.2")) and by the fallback.
    code = "import simdsum; print(simdsum.crc32c(b'123456789'))"
    for env in (None, dict(os.environ, SIMDSUM_MAX="generic")):
        assert check([python, "-c", code], env=env).stdout == f"{0xE3069283}\n"


@pytest.mark.slow
@pytest.mark.emulated
def test_simd_dispatch_on_aarch64(project, sysroot: Path, tmp_path: Path) -> None:
    """The same package for aarch64: SVE by target attribute when the CPU has
    it (qemu's does), else NEON; aarch64 assembly; run under qemu."""
    root = sysroot
    path = project("simd")
    include = os.pathsep.join([str(root / "usr/include/python3.11"), str(root / "usr/include")])
    settings = {
        "target": "aarch64-linux-gnu",
        "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
        "target-include-dir": include,
    }
    wheel = build(path, f"build_wheel('dist', {settings!r})")
    assert wheel.name == (
        "simdsum-1.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
    )
    code = (
        "import os, simdsum; d = bytes(range(256)) * 999 + b'abc'; "
        "assert simdsum.total(d) == sum(d); print(simdsum.path(), *simdsum.paths())"
    )
    for cap, expected in [(None, "sve"), ("neon", "neon"), ("asm", "asm"), ("generic", "generic")]:
        prefix = f"import os; os.environ['SIMDSUM_MAX'] = {cap!r}; " if cap else ""
        out = run_on_arm64(root, wheel, prefix + code, tmp_path / str(cap))
        assert out == f"{expected} generic asm neon sve\n"
    out = run_on_arm64(root, wheel, "import simdsum; print(simdsum.crc32c(b'123456789'))", tmp_path)
    assert out == f"{0xE3069283}\n"


def test_setup_py_link_and_compile_flags(project, make_venv) -> None:
    """-lstdc++ (Zig's libc++, linked statically), -s and --strip-all (strip,
    even in Debug), harmless -Wl options and gcc's -O3/-W flags."""
    path = project("linkflags")
    wheel = build(path)
    assert wheel.name == f"flagged-1.0-{TAG}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    check_wheel(wheel)
    plan = (path / "build" / "zlig" / f"{TAG}-manylinux_2_17_x86_64" / "plan.json").read_text()
    assert '"strip": true' in plan and '"link_libcpp": true' in plan and "stdc++" not in plan
    python = install(make_venv, wheel)
    out = check([python, "-c", "import flagged; print(flagged.upper('abc'), flagged.hypot(3, 4))"])
    assert out.stdout == "ABC 5.0\n"
    so = next(Path(str(python)).parent.parent.glob(f"lib/*/site-packages/flagged/_core{SUFFIX}"))
    sections = check(["readelf", "-S", "-W", so]).stdout
    assert ".debug_info" not in sections and ".symtab" not in sections
    needed = check(["readelf", "-d", so]).stdout
    assert "libstdc++" not in needed and "libc++" not in needed


def write_tool(path: Path, text: str) -> None:
    toml = path / "pyproject.toml"
    head = toml.read_text().split("[tool.zlig]")[0]
    toml.write_text(head + text)


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = ["src/demo/_core.c"], '
            'extra-compile-args = ["-march=native"] }]\n',
            "tool.zlig.extensions[0].extra-compile-args: '-march=native' builds for this "
            "machine's CPU, but the manylinux wheel would claim to run on every CPU of its "
            "architecture; remove it (zlig compiles for the baseline CPU: give faster code "
            "__attribute__((target(...))) and check the CPU at run time), or set manylinux = "
            "'off'",
        ),
        (
            '[tool.zlig]\nextra-compile-args = ["-O3", "-mtune=native"]\n'
            'extensions = [{ name = "demo._core", sources = ["src/demo/_core.c"] }]\n',
            "tool.zlig.extra-compile-args: '-mtune=native' builds for this machine's CPU",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = [{ path = '
            '"src/demo/_core.c", extra-compile-args = ["-mcpu=native"] }] }]\n',
            "tool.zlig.extensions[0].sources[0].extra-compile-args: '-mcpu=native' builds",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = [{ path = '
            '"src/demo/_core.c", flags = ["-O2"] }] }]\n',
            "tool.zlig.extensions[0].sources[0]: unknown key 'flags'",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = [{ extra-compile-args '
            '= ["-mavx2"] }] }]\n',
            "tool.zlig.extensions[0].sources[0]: missing required key 'path'",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = [{ path = '
            '"src/demo/_core.c", marker = "platform_machine == \'s390x\'" }] }]\n',
            "tool.zlig.extensions[0].sources: every source is left out by its marker",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = [{ path = '
            '"src/demo/_core.c", marker = "cpu == \'x\'" }] }]\n',
            "tool.zlig.extensions[0].sources[0].marker: \"cpu == 'x'\" is not a usable "
            "environment marker",
        ),
        (
            '[tool.zlig]\nextensions = [{ name = "demo._core", '
            'sources = ["src/demo/_core.c", 3] }]\n',
            "tool.zlig.extensions[0].sources[1] must be a file pattern or a table",
        ),
    ],
)
def test_source_and_flag_errors(project, tool: str, message: str) -> None:
    path = project("demo")
    write_tool(path, tool)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value).startswith(message)


def test_native_flags_allowed_without_manylinux(project) -> None:
    path = project("demo")
    write_tool(
        path,
        '[tool.zlig]\nmanylinux = "off"\nextensions = [{ name = "demo._core", sources = '
        '["src/demo/_core.c"], extra-compile-args = ["-march=native"] }]\n',
    )
    (ext,) = config.load(path).extensions
    assert ext.extra_compile_args == ("-march=native",)


IMPORT_RESOLVES = "an extension resolves Python's own symbols when it is imported; remove it"


@pytest.mark.parametrize(
    ("arg", "hint"),
    [
        (
            "-Wl,--version-script=x.map",
            "zlig's extensions export only what Python needs; remove it",
        ),
        ("-Wl,--no-undefined", IMPORT_RESOLVES),
        ("-Wl,-z,defs", IMPORT_RESOLVES),
        (
            "-static",
            "an extension is a shared library; Zig links its C++ runtime statically anyway",
        ),
        ("-framework", "macOS frameworks are not supported; zlig builds for Linux"),
        (
            "-Wl,--wrap=malloc",
            "write libraries as -lNAME (or libraries = [...]), their folders as -LDIR, "
            "-Wl,-rpath,DIR, object or archive files by path, and strip = true for -s",
        ),
    ],
)
def test_refused_link_args(project, arg: str, hint: str) -> None:
    path = project("demo")
    write_tool(
        path,
        '[tool.zlig]\nextensions = [{ name = "demo._core", sources = ["src/demo/_core.c"], '
        f'extra-link-args = ["{arg}"] }}]\n',
    )
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == (
        f"tool.zlig.extensions[0].extra-link-args: {arg!r} is not supported: {hint}"
    )


def test_understood_link_args(project) -> None:
    path = project("demo")
    write_tool(
        path,
        '[tool.zlig]\nextensions = [{ name = "demo._core", sources = ["src/demo/_core.c"], '
        'extra-link-args = ["-lstdc++", "-s", "-Wl,-O1,--as-needed,-rpath,$ORIGIN/lib", '
        '"-Wl,-z,relro", "-O2", "-g", "-flto", "-flto=auto"] }]\n',
    )
    (ext,) = config.load(path).extensions
    assert ext.uses_cxx and ext.link_libraries() == [] and ext.stripped
    assert ext.extra_link_args.rpaths == ("$ORIGIN/lib",)
    assert ext._replace(strip=False).stripped is False  # strip = false wins


def test_link_time_optimisation(project, make_venv) -> None:
    """-flto in extra-compile-args makes LLVM bitcode objects, which Zig's link
    optimises together: a function of one file is inlined into its caller in
    another. setup.py's -flto in extra-link-args goes with it."""
    from .test_linkcheck import with_helper

    path = with_helper(project("demo"))
    calls = []
    for flags in ("", ', extra-compile-args = ["-flto"], extra-link-args = ["-flto"]'):
        write_tool(
            path,
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = ["src/demo/*.c"], '
            f"strip = false{flags} }}]\n",
        )
        wheel = build(path)
        built = next(path.glob(f"build/zlig/*/out/demo/_core{SUFFIX}"))
        code = check(["objdump", "-d", built]).stdout.splitlines()
        calls.append(sum(1 for line in code if "call" in line and "<helper" in line))
    assert calls == [1, 0]
    python = install(make_venv, wheel)
    assert check([python, "-c", "import demo; print(demo.add(2, 3))"]).stdout == "10\n"


def test_release_code_gives_up_the_frame_pointer(project) -> None:
    """As gcc does at -O2 (setuptools' builds): optimised code uses %rbp as
    any other register; Debug keeps the frame, and so does a project's own
    -fno-omit-frame-pointer (for profilers that walk frames)."""
    from .test_linkcheck import with_helper

    path = with_helper(project("demo"))
    framed = []
    for settings in (
        "",
        ', optimize = "Debug"',
        ', extra-compile-args = ["-fno-omit-frame-pointer"]',
    ):
        write_tool(
            path,
            '[tool.zlig]\nextensions = [{ name = "demo._core", sources = ["src/demo/*.c"], '
            f"strip = false{settings} }}]\n",
        )
        build(path)
        built = next(path.glob(f"build/zlig/*/out/demo/_core{SUFFIX}"))
        code = check(["objdump", "-d", "--no-show-raw-insn", built]).stdout
        helper = code.split("<helper>:\n", 1)[1].split("\n\n", 1)[0]
        framed.append("mov    %rsp,%rbp" in helper)
    assert framed == [False, True, True]


def test_assembly_runs_through_no_compiler_flags(project) -> None:
    """A .S file gets neither -fwrapv nor -std= (clang warns or refuses)."""
    path = project("simd")
    from zlig.builder.plan import _source_flags

    settings = config.load(path)
    (ext,) = settings.extensions
    asm = next(s for s in ext.sources if s.suffix == ".S")
    flags = _source_flags(ext._replace(c_std="c11"), asm, {})
    assert "-fwrapv" not in flags and not any(f.startswith("-std=") for f in flags)


def test_thread_local_destructor_says_which_floor_allows_it(tmp_path: Path) -> None:
    """libc++abi, linked statically, calls glibc's __cxa_thread_atexit_impl
    for C++ thread_local objects with destructors: manylinux_2_17 forbids it."""
    path = tmp_path / "tls"
    (path / "tls").mkdir(parents=True)
    (path / "pyproject.toml").write_text(
        '[project]\nname = "tls"\nversion = "1.0"\ndescription = "thread_local"\n'
        '[tool.zlig]\nextensions = [{ name = "tls._core", sources = ["tls/_core.cpp"] }]\n'
    )
    (path / "tls" / "__init__.py").write_text("")
    (path / "tls" / "_core.cpp").write_text(
        "#include <Python.h>\n#include <string>\n"
        "struct Holder { std::string s; ~Holder() {} };\n"
        "static thread_local Holder holder;\n"
        "static PyObject *get(PyObject *, PyObject *) {\n"
        '    holder.s = "x"; return PyUnicode_FromString(holder.s.c_str());\n}\n'
        'static PyMethodDef methods[] = {{"get", get, METH_NOARGS, nullptr}, {}};\n'
        'static PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", nullptr, -1, methods};\n'
        "PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }\n"
    )
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: tls._core uses __cxa_thread_atexit_impl from libc.so.6, which "
        "manylinux_2_17 forbids; raise the floor: tool.zlig.manylinux = '2_24' allows it, "
        "or set tool.zlig.manylinux = 'off' for a wheel for this machine only"
    )
    assert not list((path / "dist").glob("*"))


def test_public_header_kept_in_the_wheel(project) -> None:
    """A C API header of the package that its own extension includes (other
    extensions compile against it, e.g. through get_include()) stays in the
    wheel when [tool.zlig.wheel] include names it."""
    path = project("demo")
    (path / "src" / "demo" / "demo_api.h").write_text("#define DEMO_API_VERSION 1\n")
    core = path / "src" / "demo" / "_core.c"
    core.write_text('#include "demo_api.h"\n' + core.read_text())
    assert "demo/demo_api.h" not in wheel_members(build(path))
    toml = path / "pyproject.toml"
    toml.write_text(toml.read_text() + '\n[tool.zlig.wheel]\ninclude = ["src/demo/*.h"]\n')
    members = wheel_members(build(path))
    assert "demo/demo_api.h" in members and "demo/_core.c" not in members


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'include = ["pyproject.toml"]',
            "tool.zlig.wheel.include: pyproject.toml is not inside the package 'demo'; "
            "the wheel holds only the package's files",
        ),
        (
            'include = ["src/demo/*.hpp"]',
            "tool.zlig.wheel.include: 'src/demo/*.hpp' matches no file",
        ),
        ("exclude = []", "tool.zlig.wheel: unknown key 'exclude'; did you mean 'include'?"),
    ],
)
def test_wheel_include_errors(project, table: str, message: str) -> None:
    path = project("demo")
    toml = path / "pyproject.toml"
    toml.write_text(toml.read_text() + f"\n[tool.zlig.wheel]\n{table}\n")
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == message
