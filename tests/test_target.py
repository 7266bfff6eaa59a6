"""Wheel tags and build settings derived from the interpreter's own sysconfig,
and from recorded sysconfig values of interpreters not installed here."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

from zlig.builder.plan import make_plan
from zlig.config.extension import Extension
from zlig.config.project import Project
from zlig.config.settings import Settings
from zlig.platforms import target
from zlig.runtime.errors import BuildError, ConfigError


@pytest.mark.parametrize(
    ("ext_suffix", "abi"),
    [
        (".cpython-311-x86_64-linux-gnu.so", "cp311"),
        (".cpython-39-aarch64-linux-gnu.so", "cp39"),
        (".cpython-313t-x86_64-linux-gnu.so", "cp313t"),
        (".cpython-311d-x86_64-linux-gnu.so", "cp311d"),
        (".cpython-312-darwin.so", "cp312"),
        (".cp311-win_amd64.pyd", "cp311"),
        (".cp313t-win_arm64.pyd", "cp313t"),
        (".pypy310-pp73-x86_64-linux-gnu.so", "pypy310_pp73"),
    ],
)
def test_abi_tag_from_ext_suffix(ext_suffix: str, abi: str) -> None:
    assert target.abi_tag(ext_suffix) == abi


def test_unknown_ext_suffix_is_an_error() -> None:
    with pytest.raises(BuildError, match=r"^cannot derive a wheel ABI tag from EXT_SUFFIX '\.so'$"):
        target.abi_tag(".so")


def test_running_interpreter() -> None:
    host = target.running_interpreter()
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    assert host.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert (host.interpreter_tag, host.abi_tag) == (f"cp{version}", f"cp{version}")
    assert host.version == sys.version_info[:2]
    assert not host.free_threaded
    assert (host.include_dirs[0] / "Python.h").is_file()
    assert target.host_platform_tag() == "linux_x86_64"


# sysconfig values recorded from real interpreters that are not installed here.
RECORDED = {
    "3.13t linux": (
        {
            "EXT_SUFFIX": ".cpython-313t-x86_64-linux-gnu.so",
            "Py_GIL_DISABLED": 1,
            "py_version_nodot": "313",
        },
        ("cp313", "cp313t", (3, 13), True),
    ),
    "3.11d linux": (
        {
            "EXT_SUFFIX": ".cpython-311d-x86_64-linux-gnu.so",
            "Py_GIL_DISABLED": None,
            "py_version_nodot": "311",
            "Py_DEBUG": 1,
        },
        ("cp311", "cp311d", (3, 11), False),
    ),
    "3.13t windows": (
        {"EXT_SUFFIX": ".cp313t-win_amd64.pyd", "Py_GIL_DISABLED": 1, "py_version_nodot": "313t"},
        ("cp313", "cp313t", (3, 13), True),
    ),
    "3.10 pypy": (
        {"EXT_SUFFIX": ".pypy310-pp73-x86_64-linux-gnu.so", "py_version_nodot": "310"},
        ("pp310", "pypy310_pp73", (3, 10), False),
    ),
}


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_interpreters(name: str) -> None:
    config_vars, (interp, abi, version, free_threaded) = RECORDED[name]
    info = target.interpreter_from_config_vars(config_vars, [Path("/inc")], interp)
    assert (info.interpreter_tag, info.abi_tag, info.version, info.free_threaded) == (
        interp,
        abi,
        version,
        free_threaded,
    )


def _settings(tmp_path: Path, **ext_fields: object) -> Settings:
    ext = Extension("pkg._core", (tmp_path / "core.c",), "tool.zlig.extensions[0]")
    ext = ext._replace(**ext_fields)
    project = Project(tmp_path, "pkg", True, tmp_path)
    return Settings(project, (ext,), tmp_path / "build", manylinux="2_17")


def test_free_threaded_windows_defines_py_gil_disabled(tmp_path: Path) -> None:
    config_vars, (interp, *_) = RECORDED["3.13t windows"]
    interpreter = target.interpreter_from_config_vars(config_vars, [Path("/inc")], interp)
    plat = target.Platform("x86_64", "x86_64-windows-gnu", "win_amd64", None, cross=True)
    settings = _settings(tmp_path)
    tgt = target.Target(interpreter, plat, interpreter)
    plan = make_plan(settings, tgt, tmp_path)
    assert plan["extensions"][0]["macros"] == [["NDEBUG", "1"], ["Py_GIL_DISABLED", "1"]]
    assert plan["extensions"][0]["output"] == "pkg/_core.cp313t-win_amd64.pyd"
    assert tgt.python_tag(settings.extensions) == "cp313-cp313t"


def test_free_threaded_linux_needs_no_define(tmp_path: Path) -> None:
    config_vars, (interp, *_) = RECORDED["3.13t linux"]
    interpreter = target.interpreter_from_config_vars(config_vars, [Path("/inc")], interp)
    plat = target.Platform("x86_64", "x86_64-linux-gnu.2.17", "linux_x86_64", "2_17", False)
    tgt = target.Target(interpreter, plat, interpreter)
    settings = _settings(tmp_path)
    plan = make_plan(settings, tgt, tmp_path)
    # pyconfig.h of a free-threaded Linux build defines Py_GIL_DISABLED itself.
    assert plan["extensions"][0]["macros"] == [["NDEBUG", "1"]]
    assert plan["extensions"][0]["output"] == "pkg/_core.cpython-313t-x86_64-linux-gnu.so"
    assert tgt.build_tag(settings.extensions) == "cp313-cp313t-manylinux_2_17_x86_64"


@pytest.mark.parametrize(
    ("recorded", "limited", "message"),
    [
        (
            "3.13t linux",
            (3, 9),
            "tool.zlig.extensions[0].py-limited-api (or tool.zlig.py-limited-api): a free-threaded "
            "Python (cp313t) has no stable ABI before 3.15; build with a GIL-enabled Python or "
            "leave py-limited-api unset",
        ),
        (
            "3.11d linux",
            (3, 12),
            "tool.zlig.extensions[0].py-limited-api (or tool.zlig.py-limited-api): cp312 is newer "
            "than the Python running the build (3.11); build with Python 3.12 or newer",
        ),
        (
            "3.10 pypy",
            (3, 9),
            "tool.zlig.extensions[0].py-limited-api (or tool.zlig.py-limited-api): the stable ABI "
            "needs CPython, not pypy310_pp73",
        ),
    ],
)
def test_limited_api_refusals(tmp_path: Path, recorded: str, limited, message: str) -> None:
    config_vars, (interp, *_) = RECORDED[recorded]
    host = target.interpreter_from_config_vars(config_vars, [Path("/inc")], interp)
    (ext,) = _settings(tmp_path, limited_api=limited).extensions
    with pytest.raises(ConfigError) as info:
        target.check_limited_api(ext, host)
    assert str(info.value) == message


def test_abi3_suffix_and_tag(tmp_path: Path) -> None:
    host = target.running_interpreter()
    plat = target.Platform("x86_64", "x86_64-linux-gnu.2.17", "linux_x86_64", "2_17", False)
    tgt = target.Target(host, plat, host)
    abi3 = _settings(tmp_path, limited_api=(3, 9)).extensions[0]
    plain = abi3._replace(name="pkg._other", limited_api=None)
    assert tgt.ext_suffix(abi3) == ".abi3.so"
    assert tgt.python_tag([abi3]) == "cp39-abi3"
    assert tgt.python_tag([abi3, plain]) == f"{host.interpreter_tag}-{host.abi_tag}"
    plan = make_plan(_settings(tmp_path, limited_api=(3, 9)), tgt, tmp_path)
    assert ["Py_LIMITED_API", "0x03090000"] in plan["extensions"][0]["macros"]


def test_windows_target_platform_and_markers(tmp_path: Path) -> None:
    from zlig.config.settings import marker_environment

    settings = _settings(tmp_path)._replace(target="x86_64-windows")
    plat = target.make_platform(settings, "linux_x86_64", ".cpython-311-x86_64-linux-gnu.so")
    assert plat == target.Platform("amd64", "x86_64-windows-gnu", "win_amd64", None, cross=True)
    assert plat.os == "windows"
    env = marker_environment("x86_64-windows")
    assert (env["sys_platform"], env["platform_system"], env["os_name"]) == (
        "win32",
        "Windows",
        "nt",
    )
    assert env["platform_machine"] == "AMD64"
    host = target.running_interpreter()
    abi3 = _settings(tmp_path, limited_api=(3, 9))
    tgt = target.Target(host, plat, host)
    assert tgt.ext_suffix(abi3.extensions[0]) == ".pyd"
    plan = make_plan(abi3, tgt, tmp_path)
    (ext,) = plan["extensions"]
    assert ext["output"] == "pkg/_core.pyd"
    # Named from the build folder (tmp_path here), as the plan names its files.
    assert ext["python_include_dirs"] == ["windows/include-abi3"]
    assert ext["objects"] == ["windows/python3-cp39.lib"]
    assert plan["allow_undefined"] is False
    assert plan["runtime"] is None


@pytest.mark.parametrize(
    ("name", "python", "zig", "tag"),
    [
        ("x86_64-macos", None, "x86_64-macos.10.9", "macosx_10_9_x86_64"),
        ("x86_64-macos", (3, 11), "x86_64-macos.10.9", "macosx_10_9_x86_64"),
        ("x86_64-macos", (3, 12), "x86_64-macos.10.13", "macosx_10_13_x86_64"),
        ("x86_64-macos", (3, 13), "x86_64-macos.10.13", "macosx_10_13_x86_64"),
        ("x86_64-macos", (3, 14), "x86_64-macos.10.15", "macosx_10_15_x86_64"),
        ("aarch64-macos", None, "aarch64-macos.11.0", "macosx_11_0_arm64"),
        ("aarch64-macos", (3, 14), "aarch64-macos.11.0", "macosx_11_0_arm64"),
        ("universal2-macos", None, "universal2-macos.10.9", "macosx_10_9_universal2"),
        ("universal2-macos", (3, 12), "universal2-macos.10.13", "macosx_10_13_universal2"),
    ],
)
def test_macos_minimum_follows_the_cpython(tmp_path: Path, name, python, zig, tag) -> None:
    """abi3 (None): the oldest macOS any CPython runs on; version-specific: the
    one that CPython's own macOS builds need, in the Zig target and the tag."""
    settings = _settings(tmp_path)._replace(target=name)
    plat = target.make_platform(
        settings, "linux_x86_64", ".cpython-311-x86_64-linux-gnu.so", python
    )
    assert (plat.zig_target, plat.plain_tag, plat.os, plat.cross) == (zig, tag, "macos", True)


def test_macos_floors_of_each_slice() -> None:
    from zlig.platforms.audit import macos_floors

    assert macos_floors("macosx_10_13_x86_64") == {"x86_64": (10, 13)}
    assert macos_floors("macosx_11_0_arm64") == {"arm64": (11, 0)}
    assert macos_floors("macosx_10_9_universal2") == {"x86_64": (10, 9), "arm64": (11, 0)}
    assert macos_floors("macosx_10_13_universal2") == {"x86_64": (10, 13), "arm64": (11, 0)}
