"""What the extensions are built for: the Python ABI, the platform, the wheel tag.

The interpreter's side comes from sysconfig (or, when cross-compiling, from
the target's EXT_SUFFIX given by the user); the ABI tag is derived from
``EXT_SUFFIX``, the same value that names the built files, so tag and file
names cannot disagree.
"""

from __future__ import annotations

import os
import platform as _platform
import re
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging import tags

from ..config import validate
from ..config.extension import Extension
from ..config.settings import Settings
from ..config.targets import TARGETS, TargetInfo, macos_minimum
from ..runtime.errors import BuildError, ConfigError

_ABI_FROM_SUFFIX = (
    # .cpython-311-x86_64-linux-gnu.so, .cpython-313t-…, .cpython-311d-…
    (re.compile(r"\.cpython-(?P<version>[0-9]+)(?P<flags>[a-z]*)-"), "cp{version}{flags}"),
    # .cp311-win_amd64.pyd, .cp313t-win_amd64.pyd
    (re.compile(r"\.cp(?P<version>[0-9]+)(?P<flags>[a-z]*)-win"), "cp{version}{flags}"),
    # .pypy310-pp73-x86_64-linux-gnu.so
    (re.compile(r"\.(?P<pypy>pypy[0-9]+)-(?P<pp>pp[0-9]+)-"), "{pypy}_{pp}"),
)

#: The musl version Zig 0.16 bundles (1.2.5) as a musllinux tag.
MUSLLINUX = "1_2"
_LINUX_32BIT = {"linux_x86_64": "linux_i686", "linux_aarch64": "linux_armv7l"}
#: Wheel architecture -> Zig architecture.
_ZIG_ARCH = {t.arch: t.zig.split("-")[0] for t in TARGETS.values() if t.os == "linux"}


@dataclass(frozen=True)
class Interpreter:
    """The Python whose headers and ABI version-specific extensions are built for."""

    #: ``cp311``.
    interpreter_tag: str
    #: ``cp311``, ``cp313t``, ``cp311d``.
    abi_tag: str
    #: ``.cpython-311-x86_64-linux-gnu.so``.
    ext_suffix: str
    #: Folders holding Python.h and pyconfig.h.
    include_dirs: tuple[Path, ...]
    version: tuple[int, int]
    free_threaded: bool
    #: Whether its headers can be used for abi3 extensions (CPython's).
    is_cpython: bool = True


@dataclass(frozen=True)
class Platform:
    """The machine the wheel is for."""

    #: Wheel architecture, e.g. ``x86_64``.
    arch: str
    #: Zig's ``-target``, e.g. ``x86_64-linux-gnu.2.17``.
    zig_target: str
    #: The plain platform tag, e.g. ``linux_x86_64``.
    plain_tag: str
    #: The manylinux floor, e.g. "2_17", or None for a plain ``linux_*`` wheel.
    manylinux: str | None
    cross: bool
    #: The musllinux version, e.g. "1_2", for a musl target; manylinux is None then.
    musllinux: str | None = None

    @property
    def os(self) -> str:
        """``linux``, ``windows``, ``macos`` (from the Zig target), or ``native``."""
        return self.zig_target.split("-")[1].split(".")[0] if "-" in self.zig_target else "native"


@dataclass(frozen=True)
class Target:
    #: The interpreter version-specific extensions are built for.
    interpreter: Interpreter
    platform: Platform
    #: The interpreter running the build, whose headers abi3 extensions use.
    host: Interpreter

    def ext_suffix(self, extension: Extension) -> str:
        """The file suffix of a built extension (``.abi3.so`` for the stable ABI)."""
        if extension.limited_api:
            windows = self.platform.os == "windows" or self.interpreter.ext_suffix.endswith(".pyd")
            return ".pyd" if windows else ".abi3.so"
        return self.interpreter.ext_suffix

    def include_dirs(self, extension: Extension) -> tuple[Path, ...]:
        """Python headers: the build machine's for abi3, else the target interpreter's."""
        if extension.limited_api:
            return self.host.include_dirs
        return self.interpreter.include_dirs

    def build_tag(self, extensions: Sequence[Extension]) -> str:
        """The wheel tag before the audit (with the manylinux floor); names the build folder."""
        plat = self.platform.plain_tag
        if self.platform.manylinux:
            plat = f"manylinux_{self.platform.manylinux}_{self.platform.arch}"
        elif self.platform.musllinux:
            plat = f"musllinux_{self.platform.musllinux}_{self.platform.arch}"
        return f"{self.python_tag(extensions)}-{plat}"

    def python_tag(self, extensions: Sequence[Extension]) -> str:
        """``cp311-cp311``, or ``cp39-abi3`` when every extension uses the stable ABI."""
        limited = [e.limited_api for e in extensions]
        if limited and all(limited):
            major, minor = max(v for v in limited if v)
            return f"cp{major}{minor}-abi3"
        return f"{self.interpreter.interpreter_tag}-{self.interpreter.abi_tag}"


def abi_tag(ext_suffix: str) -> str:
    """The wheel ABI tag that matches extension files named with ``ext_suffix``."""
    for pattern, template in _ABI_FROM_SUFFIX:
        match = pattern.match(ext_suffix)
        if match:
            return template.format(**match.groupdict())
    raise BuildError(f"cannot derive a wheel ABI tag from EXT_SUFFIX {ext_suffix!r}")


def interpreter_from_config_vars(
    config_vars: Mapping[str, Any], include_dirs: Sequence[Path], interpreter_tag: str
) -> Interpreter:
    """An Interpreter from sysconfig values (the running one's, or recorded ones)."""
    ext_suffix = config_vars.get("EXT_SUFFIX")
    if not ext_suffix:
        raise BuildError("this Python has no EXT_SUFFIX; it cannot load extension modules")
    abi = abi_tag(ext_suffix)
    nodot = str(config_vars.get("py_version_nodot") or abi.split("_")[0])
    version = re.sub(r"\D", "", nodot)  # "313t" on some free-threaded builds
    return Interpreter(
        interpreter_tag=interpreter_tag,
        abi_tag=abi,
        ext_suffix=ext_suffix,
        include_dirs=tuple(dict.fromkeys(include_dirs)),
        version=(int(version[0]), int(version[1:])),
        free_threaded=bool(config_vars.get("Py_GIL_DISABLED")) or abi.endswith("t"),
        is_cpython=abi.startswith("cp"),
    )


def running_interpreter() -> Interpreter:
    paths = [Path(sysconfig.get_path(name)) for name in ("include", "platinclude")]
    return interpreter_from_config_vars(
        sysconfig.get_config_vars(), paths, tags.interpreter_name() + tags.interpreter_version()
    )


def cross_interpreter(ext_suffix: str, include_dir: str) -> Interpreter:
    """The target's Python when cross-compiling, from the user's settings."""
    try:
        abi = abi_tag(ext_suffix)
    except BuildError:
        abi = ""
    match = re.fullmatch(r"cp([0-9])([0-9]+)[a-z]*", abi)
    if not match:
        raise ConfigError(f"target-ext-suffix: {ext_suffix!r} is not a CPython EXT_SUFFIX")
    # Several folders, like PATH: Debian's pyconfig.h includes an
    # architecture-specific one from the folder above.
    includes = [Path(p) for p in include_dir.split(os.pathsep) if p]
    if not includes or not validate.is_file(includes[0] / "Python.h"):
        raise ConfigError(f"target-include-dir: {include_dir!r} holds no Python.h")
    return Interpreter(
        interpreter_tag=f"cp{match[1]}{match[2]}",
        abi_tag=abi,
        ext_suffix=ext_suffix,
        include_dirs=tuple(includes),
        version=(int(match[1]), int(match[2])),
        free_threaded=abi.endswith("t"),
    )


def host_platform_tag() -> str:
    """The plain platform tag of this interpreter (``linux_x86_64``, never manylinux)."""
    plat = re.sub(r"[-. ]", "_", sysconfig.get_platform())
    # A 32-bit interpreter on a 64-bit Linux kernel reports the kernel's
    # machine; packaging applies the same correction.
    if sys.maxsize <= 2**32 and plat in _LINUX_32BIT:
        plat = _LINUX_32BIT[plat]
    return plat


def _glibc_version() -> str:
    name, version = _platform.libc_ver()
    if name != "glibc" or not version:
        raise BuildError("cannot tell this machine's glibc version for the Zig target")
    return version


def make_platform(
    settings: Settings,
    host_tag: str,
    host_ext_suffix: str,
    python: tuple[int, int] | None = None,
) -> Platform:
    """The platform to build for: this machine, or ``settings.target``.
    ``python``: the CPython version-specific extensions are built for (its
    macOS builds set the minimum macOS), or None if all are abi3."""
    manylinux = None if settings.manylinux == "off" else settings.manylinux
    if settings.target:
        info = TARGETS[settings.target]
        if info.os != "linux":
            return _other_os_platform(info, host_tag, python)
        if info.musl:
            # Built against Zig's musl (1.2.5), whatever the manylinux floor;
            # cross-compiling even for this architecture (this Python is glibc's).
            musl_host = "musl" in host_ext_suffix and f"linux_{info.arch}" == host_tag
            return Platform(
                info.arch, info.zig, f"linux_{info.arch}", None, not musl_host, MUSLLINUX
            )
        arch = info.arch
        plain = f"linux_{arch}"
        cross = plain != host_tag
    else:
        match = re.fullmatch(r"linux_(\w+)", host_tag)
        if not match or match[1] not in _ZIG_ARCH:
            # Not Linux: build for this machine as Zig sees it; no manylinux.
            return Platform(host_tag, "native", host_tag, None, cross=False)
        arch, plain, cross = match[1], host_tag, False
        if "musl" in host_ext_suffix:
            return Platform(arch, f"{_ZIG_ARCH[arch]}-linux-musl", plain, None, cross=False)
    if manylinux:
        _check_floor_covers(manylinux, arch)
        glibc = manylinux.replace("_", ".")
    elif cross:
        glibc = ""  # Zig's default for the target
    else:
        glibc = _glibc_version()
    zig_target = f"{_ZIG_ARCH[arch]}-linux-gnu" + (f".{glibc}" if glibc else "")
    return Platform(arch, zig_target, plain, manylinux, cross)


def _other_os_platform(info: TargetInfo, host_tag: str, python: tuple[int, int] | None) -> Platform:
    """A Windows or macOS target: no glibc floor. The macOS tag names the
    minimum version the Zig target gives (``x86_64-macos.10.9``)."""
    zig = info.zig
    if info.os == "macos":
        major, minor = macos_minimum(info.arch, python)
        zig = f"{info.zig}.{major}.{minor}"
        plain = f"macosx_{major}_{minor}_{info.arch}"
    else:
        plain = f"win_{info.arch}"
    return Platform(info.arch, zig, plain, None, cross=plain != host_tag)


def _check_floor_covers(floor: str, arch: str) -> None:
    from .manylinux import policies

    covering = [p.name.removeprefix("manylinux_") for p in policies() if arch in p.symbol_versions]
    if floor not in covering:
        raise ConfigError(
            f"manylinux: manylinux_{floor} does not cover {arch}; set tool.zlig.manylinux to "
            f"{covering[0]!r} or newer (or 'off')"
        )


def resolve(settings: Settings) -> Target:
    """The target of this build; refuses settings that cannot work here."""
    host = running_interpreter()
    host_tag = host_platform_tag()
    plat = make_platform(settings, host_tag, host.ext_suffix)
    interpreter = host
    needs_version_specific = any(not e.limited_api for e in settings.extensions)
    if plat.cross and needs_version_specific:
        if not (settings.target_ext_suffix and settings.target_include_dir):
            raise ConfigError(
                f"cross-compiling for {settings.target}: extensions that are not abi3 need the "
                "target Python's target-ext-suffix and target-include-dir (or set py-limited-api)"
            )
        interpreter = cross_interpreter(settings.target_ext_suffix, settings.target_include_dir)
        if plat.musllinux:
            _check_musl_suffix(interpreter, settings.target_ext_suffix)
        if plat.os == "windows":
            _check_windows_python(interpreter, plat)
        if plat.os == "macos":
            _check_macos_python(interpreter)
            plat = make_platform(settings, host_tag, host.ext_suffix, interpreter.version)
    for ext in settings.extensions:
        if ext.limited_api:
            check_limited_api(ext, host)
    return Target(interpreter, plat, host)


def _check_musl_suffix(interpreter: Interpreter, suffix: str) -> None:
    """CPython names extensions for musl ``-linux-musl`` from 3.11 on; before,
    it wrote ``-linux-gnu`` on musl too."""
    libc = "musl" if interpreter.version >= (3, 11) else "gnu"
    if not suffix.endswith(f"-linux-{libc}.so"):
        raise ConfigError(
            f"target-ext-suffix: {suffix!r} is not a musl CPython {interpreter.version[0]}."
            f"{interpreter.version[1]}'s (they end in '-linux-{libc}.so')"
        )


#: The CPython versions whose DLL exports zlig ships (windows.exports:
#: ``cpython-windows/exports.txt``).
EXPORTS_VERSIONS = ((3, 9), (3, 13))


def _check_windows_python(interpreter: Interpreter, plat: Platform) -> None:
    """A CPython for Windows whose DLL's exports zlig ships (windows.py)."""
    key = "target-ext-suffix"
    suffix = f"-{plat.plain_tag}.pyd"
    if not interpreter.ext_suffix.endswith(suffix) or interpreter.free_threaded:
        raise ConfigError(
            f"{key}: {interpreter.ext_suffix!r} is not a GIL-enabled CPython's for "
            f"{plat.plain_tag} (e.g. '.cp313{suffix}')"
        )
    low, high = EXPORTS_VERSIONS
    if not low <= interpreter.version <= high:
        raise ConfigError(
            f"{key}: zlig knows what python{interpreter.version[0]}{interpreter.version[1]}.dll "
            f"exports only for CPython {low[0]}.{low[1]} to {high[0]}.{high[1]}"
        )


def _check_macos_python(interpreter: Interpreter) -> None:
    """A GIL-enabled CPython for macOS, whose extensions end in ``-darwin.so``
    whatever the architecture. Free-threaded builds would need headers that
    say so (Py_GIL_DISABLED in pyconfig.h), which nothing here checks yet."""
    key = "target-ext-suffix"
    suffix = interpreter.ext_suffix
    example = "'.cpython-{}{}-darwin.so'".format(*interpreter.version)
    if interpreter.free_threaded:
        raise ConfigError(
            f"{key}: {suffix!r} is a free-threaded CPython's, which zlig does not build "
            f"macOS extensions for yet; give a GIL-enabled CPython's (e.g. {example})"
        )
    if not re.fullmatch(r"\.cpython-3[0-9]+-darwin\.so", suffix):
        raise ConfigError(f"{key}: {suffix!r} is not a CPython's for macOS (e.g. {example})")


def check_limited_api(extension: Extension, host: Interpreter) -> None:
    key = f"{extension.key}.py-limited-api (or tool.zlig.py-limited-api)"
    assert extension.limited_api
    floor = "cp{}{}".format(*extension.limited_api)
    if not host.is_cpython:
        raise ConfigError(f"{key}: the stable ABI needs CPython, not {host.abi_tag}")
    if host.free_threaded and host.version < (3, 15):
        raise ConfigError(
            f"{key}: a free-threaded Python ({host.abi_tag}) has no stable ABI before 3.15; "
            "build with a GIL-enabled Python or leave py-limited-api unset"
        )
    if extension.limited_api > host.version:
        raise ConfigError(
            f"{key}: {floor} is newer than the Python running the build "
            f"({host.version[0]}.{host.version[1]}); build with Python "
            f"{extension.limited_api[0]}.{extension.limited_api[1]} or newer"
        )
