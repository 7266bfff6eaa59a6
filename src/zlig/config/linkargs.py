"""``extra-link-args``: setup.py's linker flags, in terms Zig's build API knows.

Zig's build API takes no raw linker flags, so each flag is understood or
refused. Real projects' ``extra_link_args`` mostly say one of a few things:
a library (``-lz``, ``-lstdc++``: the C++ runtime), where to find it,
"strip the result" (``-s``, ``-Wl,--strip-all``), or a linker option that
Zig's linker already applies or that changes nothing for an extension
(``-Wl,-O1``, ``-Wl,--as-needed``, ``-Wl,-z,relro``). Anything else is
refused with what to write instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from ..runtime.errors import ConfigError
from . import validate


class LinkArgs(NamedTuple):
    """What ``extra-link-args`` asks for."""

    libraries: tuple[str, ...] = ()
    library_dirs: tuple[Path, ...] = ()
    rpaths: tuple[str, ...] = ()
    objects: tuple[Path, ...] = ()
    #: ``-s``, ``-Wl,--strip-all``: strip, unless ``strip`` says otherwise.
    strip: bool = False


#: Options of the linker itself (after ``-Wl,``) that zlig accepts and leaves
#: to Zig: Zig links extensions with ``-z relro -z now``, drops unused
#: sections in release modes and optimises the output's hash tables anyway;
#: ``--as-needed`` and ``-Bsymbolic`` change nothing that an extension
#: module, which exports only ``PyInit_*``, depends on.
HARMLESS_LINKER = re.compile(
    r"-O[0-3]|--(no-)?as-needed|-z,(relro|now|noexecstack)|--(no-)?gc-sections"
    r"|-Bsymbolic(-functions)?|--hash-style=\w+|--build-id(=\w+)?|--sort-common|--icf=\w+"
    r"|--enable-new-dtags|--disable-new-dtags|--no-copy-dt-needed-entries"
)
#: Linker options that strip the output.
STRIP_LINKER = frozenset({"-s", "-S", "--strip-all", "--strip-debug"})
#: Compiler-driver flags of the link command that Zig's build already implies
#: (and optimisation or debug levels, which concern compiling, not linking).
#: ``-flto``: with ``-flto`` in extra-compile-args the objects are LLVM bitcode,
#: which Zig's link optimises together anyway; without it, -flto at link time
#: does nothing, as with gcc.
HARMLESS_DRIVER = re.compile(
    r"-shared|-fPIC|-fpic|-pthread|-static-libstdc\+\+|-static-libgcc|-g[0-3]?|-O[0-3sz]?"
    r"|-flto(=\w+)?|-fuse-linker-plugin"
)
#: What to write instead of flags that are refused, by flag (or its start).
HINTS = {
    "-march=": "compile flags belong in extra-compile-args",
    "-static": "an extension is a shared library; Zig links its C++ runtime statically anyway",
    "--no-undefined": "an extension resolves Python's own symbols when it is imported; remove it",
    "-z,defs": "an extension resolves Python's own symbols when it is imported; remove it",
    "--version-script": "zlig's extensions export only what Python needs; remove it",
    "-framework": "macOS frameworks are not supported; zlig builds for Linux",
}


def parse(value: Any, key: str, root: Path) -> LinkArgs:
    """Read ``extra-link-args``; refuse what Zig's build cannot do, saying why."""
    libs: list[str] = []
    dirs: list[Path] = []
    rpaths: list[str] = []
    objects: list[Path] = []
    strip = False
    for arg in validate.string_list(value, key):
        if arg.startswith("-l") and len(arg) > 2:
            libs.append(arg[2:])
        elif arg.startswith("-L") and len(arg) > 2:
            dirs += validate.folders([arg[2:]], key, root)
        elif arg.startswith("-Wl,"):
            rpaths_here, strip_here = _linker(arg, key)
            rpaths += rpaths_here
            strip = strip or strip_here
        elif arg == "-s":
            strip = True
        elif HARMLESS_DRIVER.fullmatch(arg):
            continue
        elif arg.endswith((".a", ".o", ".so")) and validate.is_file(root / arg):
            objects.append((root / arg).resolve())
        else:
            raise _refused(arg, key)
    return LinkArgs(tuple(libs), tuple(dirs), tuple(rpaths), tuple(objects), strip)


def _linker(arg: str, key: str) -> tuple[list[str], bool]:
    """``-Wl,a,b,c``: the rpaths it names and whether it strips."""
    words = arg.split(",")[1:]
    rpaths: list[str] = []
    strip = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-rpath", "-R") and i + 1 < len(words):
            rpaths.append(words[i + 1])
            i += 2
            continue
        if word.startswith(("-rpath=", "--rpath=")):
            rpaths.append(word.split("=", 1)[1])
        elif word in STRIP_LINKER:
            strip = True
        elif word == "-z" and i + 1 < len(words):
            if not HARMLESS_LINKER.fullmatch(f"-z,{words[i + 1]}"):
                raise _refused(arg, key)
            i += 1
        elif not HARMLESS_LINKER.fullmatch(word):
            raise _refused(arg, key)
        i += 1
    return rpaths, strip


def _refused(arg: str, key: str) -> ConfigError:
    hint = next(
        (text for start, text in HINTS.items() if arg.startswith(start) or f",{start}" in arg),
        "write libraries as -lNAME (or libraries = [...]), their folders as -LDIR, "
        "-Wl,-rpath,DIR, object or archive files by path, and strip = true for -s",
    )
    return ConfigError(f"{key}: {arg!r} is not supported: {hint}")


def join(first: LinkArgs, second: LinkArgs) -> LinkArgs:
    """The project-wide link arguments followed by an extension's own."""
    return LinkArgs(
        first.libraries + second.libraries,
        first.library_dirs + second.library_dirs,
        first.rpaths + second.rpaths,
        first.objects + second.objects,
        first.strip or second.strip,
    )
