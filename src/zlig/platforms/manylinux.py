"""manylinux: the policies, and the audit of built extensions against them.

zlig compiles against a glibc floor (Zig's ``x86_64-linux-gnu.2.17``) and
then checks what it built, as auditwheel would: every DT_NEEDED library must
be on the policy's list, and every versioned symbol (GLIBC_2.x, GLIBCXX_…)
within it. The wheel gets the oldest policy all extensions satisfy, which is
never newer than the floor, so ``auditwheel show`` reports the same tag.

The policy data is auditwheel's (``config/manylinux-policy.json``, whose floors
the ``manylinux`` option names); ELF files are
read with pyelftools, the library auditwheel itself uses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import floors
from ..runtime.errors import BuildError

#: ELF machine -> manylinux architecture name.
_MACHINES = {
    "EM_X86_64": "x86_64",
    "EM_386": "i686",
    "EM_AARCH64": "aarch64",
    "EM_ARM": "armv7l",
    "EM_PPC64": "ppc64le",
    "EM_S390": "s390x",
    "EM_RISCV": "riscv64",
}


@dataclass(frozen=True)
class Policy:
    name: str  # manylinux_2_17
    aliases: tuple[str, ...]  # manylinux2014
    glibc: tuple[int, int]
    libraries: frozenset[str]
    symbol_versions: dict[str, dict[str, frozenset[str]]]  # arch -> namespace -> versions
    blacklist: dict[str, frozenset[str]]

    def tags(self, arch: str) -> str:
        """The compressed platform tag, e.g. ``manylinux_2_17_x86_64.manylinux2014_x86_64``."""
        return ".".join(f"{name}_{arch}" for name in (self.name, *self.aliases))


@dataclass(frozen=True)
class ElfInfo:
    """What the audit needs to know about one built file."""

    arch: str
    needed: tuple[str, ...]
    #: (library, "GLIBC_2.17") pairs from the version-needs section.
    versions: tuple[tuple[str, str], ...]
    undefined: frozenset[str]


@functools.cache
def policies() -> tuple[Policy, ...]:
    """The manylinux policies, oldest first."""
    result = [_policy(p) for p in floors.policy_data()]
    return tuple(sorted(result, key=lambda p: p.glibc))


def _policy(raw: dict[str, Any]) -> Policy:
    major, minor = raw["name"].removeprefix("manylinux_").split("_")
    return Policy(
        name=raw["name"],
        aliases=tuple(raw["aliases"]),
        glibc=(int(major), int(minor)),
        libraries=frozenset(raw["lib_whitelist"]),
        symbol_versions={
            arch: {ns: frozenset(vs) for ns, vs in spaces.items()}
            for arch, spaces in raw["symbol_versions"].items()
        },
        blacklist={lib: frozenset(syms) for lib, syms in raw["blacklist"].items()},
    )


def floor_policy(value: str, key: str) -> Policy:
    """The policy for a floor such as ``2_17`` (or ``manylinux2014``)."""
    name = "manylinux_" + floors.floor(value, key)
    return next(p for p in policies() if p.name == name)


def read_elf(path: Path) -> ElfInfo:
    # Imported here: reading the policies (config checks the floor) should not
    # cost the import of pyelftools.
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection
    from elftools.elf.sections import SymbolTableSection

    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            machine = elf["e_machine"]
            needed: list[str] = []
            versions: list[tuple[str, str]] = []
            undefined: set[str] = set()
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    # pyelftools sets .needed on DT_NEEDED tags at run time.
                    tags = section.iter_tags("DT_NEEDED")
                    needed += [str(t.needed) for t in tags]  # type: ignore[attr-defined]
                elif isinstance(section, GNUVerNeedSection):
                    for verneed, auxiliaries in section.iter_versions():
                        versions += [(str(verneed.name), str(aux.name)) for aux in auxiliaries]
                elif isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                    undefined.update(
                        s.name for s in section.iter_symbols() if s["st_shndx"] == "SHN_UNDEF"
                    )
    except (OSError, ELFError) as e:
        raise BuildError(f"cannot read the built file {path}: {e}") from None
    if machine not in _MACHINES:
        raise BuildError(f"{path.name} is for an unsupported machine ({machine})")
    return ElfInfo(_MACHINES[machine], tuple(needed), tuple(versions), frozenset(undefined))


def _is_loader(lib: str) -> bool:
    """The dynamic loader is part of glibc and always there; auditwheel skips it too."""
    return lib.startswith("ld-linux") or lib in ("ld64.so.1", "ld64.so.2")


def violations(info: ElfInfo, policy: Policy) -> list[str]:
    """Why a file does not satisfy a policy, with the way out (empty if it does)."""
    off = "or set tool.zlig.manylinux = 'off' for a wheel for this machine only"
    problems = [
        f"needs {lib}, which {policy.name} does not allow; link it statically, {off}"
        for lib in info.needed
        if lib not in policy.libraries and not _is_loader(lib)
    ]
    allowed = policy.symbol_versions.get(info.arch, {})
    for lib, version in info.versions:
        if _is_loader(lib):
            continue
        namespace, _, number = version.partition("_")
        if number and not re.fullmatch(r"[0-9.]+", number):
            continue  # e.g. GLIBC_PRIVATE is not a version requirement of the policy
        if number not in allowed.get(namespace, frozenset()):
            problems.append(
                f"uses {version} from {lib}, newer than {policy.name} allows; "
                f"raise the floor (tool.zlig.manylinux), {off}"
            )
    for lib in info.needed:
        bad = sorted(info.undefined & policy.blacklist.get(lib, frozenset()))
        if bad:
            newer = _allowing(lib, bad, policy, info.arch)
            way = f"raise the floor: tool.zlig.manylinux = {newer!r} allows it, " if newer else ""
            problems.append(
                f"uses {', '.join(bad)} from {lib}, which {policy.name} forbids; {way}{off}"
            )
    return problems


def _allowing(lib: str, symbols: list[str], policy: Policy, arch: str) -> str | None:
    """The oldest newer floor whose policy allows these symbols of ``lib``
    (e.g. libc++abi's ``__cxa_thread_atexit_impl``, for C++ ``thread_local``
    objects with destructors: 2_18)."""
    for newer in policies():
        if (
            newer.glibc > policy.glibc
            and arch in newer.symbol_versions
            and not set(symbols) & newer.blacklist.get(lib, frozenset())
        ):
            return newer.name.removeprefix("manylinux_")
    return None


def audit(files: Iterable[tuple[str, Path]], floor: Policy, arch: str) -> Policy:
    """The oldest policy every file satisfies, at most ``floor``; BuildError if none.

    ``files`` are (extension name, built file) pairs.
    """
    from ..runtime.cache import by_content

    infos = [(name, by_content(path, read_elf)) for name, path in files]
    for name, info in infos:
        if info.arch != arch:
            raise BuildError(f"{name} was built for {info.arch}, not {arch}")
    if arch not in floor.symbol_versions:
        raise BuildError(f"{floor.name} does not cover {arch}; raise tool.zlig.manylinux")
    for policy in policies():
        if policy.glibc > floor.glibc:
            break
        if arch in policy.symbol_versions and not any(
            violations(info, policy) for _, info in infos
        ):
            return policy
    name, info = next((n, i) for n, i in infos if violations(i, floor))
    raise BuildError(f"{name} {violations(info, floor)[0]}")
