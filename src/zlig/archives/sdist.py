"""Pack sdists with flit-core's SdistBuilder, adding what a rebuild needs.

flit-core selects the package folder, pyproject.toml, the readme, licences and
``[tool.flit.sdist]`` globs. zlig adds every build input (extension sources
and the headers they include, also from outside the package, e.g. ``csrc/``
and ``include/``; hook files), applies ``[tool.zlig.sdist]`` (sdist_files.py)
and drops compiled binaries and zlig's build folder. Files that
``before-sdist`` hooks add are written into flit-core's archive afterwards.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Mapping
from gzip import GzipFile
from pathlib import Path

from flit_core import common as flit_common
from flit_core import config as flit_config
from flit_core import sdist as flit_sdist

from ..builder.inputs import CYTHON_SUFFIXES, sdist_inputs
from ..config import sdist as sdist_options
from ..config.project import flit_errors, flit_module, is_inside
from ..config.settings import Settings
from ..runtime.errors import BuildError, ConfigError, writing
from . import sdist_files
from .files import is_binary, stale_cython_outputs, taken_path


class _SdistBuilder(flit_sdist.SdistBuilder):  # type: ignore[misc]
    settings: Settings

    def apply_includes_excludes(self, files: list[str]) -> list[str]:
        # flit-core's build() packs what this returns.
        return sorted(self.selection(files))

    def selection(self, files: list[str] | None = None) -> dict[str, str]:
        """Every file of the sdist (but PKG-INFO and hooks' files), with the
        key or rule that puts it there."""
        settings = self.settings
        root = settings.root
        flit_files = self.select_files() if files is None else files
        reasons = self._flit_reasons(flit_files)
        kept = super().apply_includes_excludes(flit_files)
        selected = {f: reasons.get(f, "tool.flit.sdist.include") for f in kept}
        required = {f: reasons[f] for f in self.extra_files}
        required.update(build_inputs(settings))
        for name, reason in required.items():
            if name not in selected and self.excludes.match_file(name):
                raise ConfigError(
                    f"tool.flit.sdist.exclude leaves out {name}, {reason}; "
                    "the sdist must hold every build input"
                )
        options = settings.sdist
        include = sdist_options.matcher(options.include, "tool.zlig.sdist.include")
        if options.include:
            for name in sdist_files.walk(root, settings.build_dir):
                pattern = include(name)
                if pattern is not None and name not in selected:
                    selected[name] = f"tool.zlig.sdist.include {pattern!r}"
        selected.update(required)
        # An unpacked sdist's PKG-INFO: flit-core writes the sdist's own.
        selected.pop("PKG-INFO", None)
        exclude = sdist_options.matcher(options.exclude, "tool.zlig.sdist.exclude")
        ignored = (
            sdist_files.gitignore(root, settings.build_dir)
            if options.respect_gitignore and not (root / "PKG-INFO").is_file()
            else (lambda name: None)
        )
        for name in list(selected):
            pattern = exclude(name)
            if pattern is not None:
                _refuse_required(name, required, f"tool.zlig.sdist.exclude {pattern!r}")
                del selected[name]
                continue
            ignore_file = ignored(name)
            if ignore_file is not None:
                _refuse_required(
                    name, required, f"tool.zlig.sdist.respect-gitignore ({ignore_file})"
                )
                del selected[name]
        # C that Cython generated beside a .pyx for setuptools is never used.
        stale = {p.relative_to(root).as_posix() for p in stale_cython_outputs(settings.extensions)}
        return {
            name: reason
            for name, reason in selected.items()
            if not is_binary(Path(name))
            and name not in stale
            and not is_inside((root / name).resolve(), settings.build_dir)
        }

    def _flit_reasons(self, files: list[str]) -> dict[str, str]:
        root = str(self.cfgdir)
        module = self.module
        what = "package" if module.is_package else "module"
        reasons = {os.path.relpath(p, root): f"{what} {module.name}" for p in module.iter_files()}
        for path in flit_common.walk_data_dir(self.data_directory):
            reasons[os.path.relpath(path, root)] = "tool.flit.external-data"
        for name in self.extra_files:
            reasons[name] = (
                "pyproject.toml" if name == "pyproject.toml" else "[project] readme or licence"
            )
        return reasons


def _refuse_required(name: str, required: Mapping[str, str], rule: str) -> None:
    if name in required:
        raise ConfigError(
            f"{rule} leaves out {name}, {required[name]}; the sdist must hold every build input"
        )


def build_inputs(settings: Settings) -> dict[str, str]:
    """Every file a build from the sdist needs, by path relative to the root,
    with what makes it one."""
    root = settings.root
    found: dict[str, str] = {}
    for ext in settings.extensions:
        sources = {*ext.sources, *ext.other_sources}
        for path in sorted(sdist_inputs([ext], root)):
            name = path.resolve().relative_to(root).as_posix()
            what = (
                "a source"
                if path in sources
                else "a Cython file"
                if path.suffix in (*CYTHON_SUFFIXES, ".pyx")
                else "a header"
            )
            found.setdefault(name, f"{what} of {ext.key}")
    for hook in settings.hooks:
        found.setdefault(hook.path.relative_to(root).as_posix(), f"tool.zlig.hooks.{hook.stage}")
    return found


def make_builder(settings: Settings) -> _SdistBuilder:
    # flit-core's SdistBuilder.from_ini_path, with zlig's module lookup.
    ini_path = settings.root / "pyproject.toml"
    info = flit_config.read_flit_config(ini_path)
    module = flit_module(info.module, settings.root, settings.project.python_source)
    builder = _SdistBuilder(
        module,
        flit_common.make_metadata(module, info),
        settings.root,
        info.reqs_by_extra,
        info.entrypoints,
        [ini_path.name, *map(os.path.normpath, info.referenced_files)],
        info.data_directory,
        info.sdist_include_patterns,
        info.sdist_exclude_patterns,
    )
    builder.settings = settings
    return builder


def make_sdist(settings: Settings, sdist_directory: Path) -> str:
    """Pack the sdist into ``sdist_directory`` and return its file name."""
    added: dict[str, Path] = {}
    if any(hook.stage == "before-sdist" for hook in settings.hooks):
        from ..builder.hooks import sdist_hooks

        added = sdist_hooks(settings)
    with writing(sdist_directory), flit_errors():
        builder = make_builder(settings)
        # flit-core writes the archive in place; build it under a temporary
        # folder and move it, so the output folder never holds a partial one.
        temp = sdist_directory / f".zlig-sdist-{os.getpid()}"
        try:
            path = builder.build(temp)
            if added:
                _add_files(path, builder, added)
            final = sdist_directory / path.name
            os.replace(path, final)
        finally:
            if temp.exists():
                for leftover in temp.iterdir():
                    leftover.unlink()
                temp.rmdir()
    return str(final.name)


def _add_files(path: Path, builder: _SdistBuilder, added: Mapping[str, Path]) -> None:
    """Write flit-core's archive again with the hooks' files among the others,
    with flit-core's normalised members (times, owners, modes) and order."""
    prefix = builder.dir_name
    source_date_epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    mtime = int(source_date_epoch) if source_date_epoch else None
    new = path.with_name(path.name + ".part")
    with tarfile.open(path) as old:
        members = {m.name: m for m in old.getmembers()}
        inside = [m[len(prefix) + 1 :] for m in members if m.startswith(prefix + "/")]
        for name in added:
            taken = taken_path(name, inside)
            if taken:
                raise BuildError(
                    f"a before-sdist hook adds {name!r} to the sdist, but {taken} there"
                )
        pkg_info = members.pop(f"{prefix}/PKG-INFO")
        names = sorted([*members, *(f"{prefix}/{name}" for name in added)])
        gz = GzipFile(str(new), mode="wb", mtime=(mtime or 1451606400))
        with gz, tarfile.TarFile(str(new), mode="w", fileobj=gz, format=tarfile.PAX_FORMAT) as tf:
            for name in names:
                if name in members:
                    member = members[name]
                    tf.addfile(member, old.extractfile(member) if member.isreg() else None)
                    continue
                file = added[name[len(prefix) + 1 :]]
                info = flit_sdist.clean_tarinfo(tf.gettarinfo(str(file), arcname=name), mtime)
                with open(file, "rb") as f:
                    tf.addfile(info, f)
            tf.addfile(pkg_info, old.extractfile(pkg_info))
    os.replace(new, path)
