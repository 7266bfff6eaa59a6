"""Pack wheels with flit-core's WheelBuilder, adding the built extensions.

flit-core writes ``py3-none-any`` and ``Root-Is-Purelib: true`` and packs
every file of the package folder. zlig keeps its file selection, RECORD and
METADATA, and changes three things: the tag, the WHEEL file, and the files
(sources and stale binaries stay out; the freshly built extensions go in).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from flit_core import common as flit_common
from flit_core import config as flit_config
from flit_core import wheel as flit_wheel

from ..config.project import Project, flit_errors, flit_module
from ..config.settings import Settings
from ..platforms.audit import PURE_TAG, Built
from ..runtime.errors import BuildError, writing
from ..runtime.version import VERSION
from .files import taken_path, wheel_skips


def wheel_file_text(tag: str) -> str:
    """The ``.dist-info/WHEEL`` file for a wheel with this (possibly compressed) tag."""
    tags = [tag]
    if "." in tag:  # compressed; packaging.tags is imported only then (~8 ms)
        from packaging.tags import parse_tag

        tags = sorted(str(t) for t in parse_tag(tag))
    lines = [
        "Wheel-Version: 1.0",
        f"Generator: zlig {VERSION}",
        f"Root-Is-Purelib: {'true' if tag == PURE_TAG else 'false'}",
        *(f"Tag: {t}" for t in tags),
    ]
    return "\n".join(lines) + "\n"


class _WheelBuilder(flit_wheel.WheelBuilder):  # type: ignore[misc]
    tag: str = PURE_TAG
    built: Sequence[Built] = ()
    skips: set[Path] = set()
    #: Files added to an editable wheel beside flit's .pth: archive name -> text.
    editable_files: Mapping[str, str] = {}
    #: Files the build hooks added: archive name -> file.
    added: Mapping[str, Path] = {}

    @property
    def wheel_filename(self) -> str:
        dist_name = flit_common.normalize_dist_name(self.metadata.name, self.metadata.version)
        return f"{dist_name}-{self.tag}.whl"

    def copy_module(self) -> None:
        source_dir = Path(self.module.source_dir)
        for full_path in self.module.iter_files():
            path = Path(full_path)
            if path.suffix in (".o", ".obj") or path.resolve() in self.skips:
                continue
            self._add_file(full_path, path.relative_to(source_dir).as_posix())
        for item in self.built:
            self._add_built(item.path, item.wheel_path)
        names = [name for name, _, _ in self.records]
        for name, file in sorted(self.added.items()):
            taken = taken_path(name, names)
            if taken:
                raise BuildError(f"a build hook adds {name!r} to the wheel, but {taken} there")
            self._add_built(file, name)

    def _add_built(self, path: Path, archive_name: str) -> None:
        """Add a built extension. flit's _add_file refuses files from outside
        the project, where the build folder of a read-only project lies."""
        data = path.read_bytes()
        mode = flit_common.normalize_file_permissions(path.stat().st_mode) & 0o777
        # A fixed time, as flit-core's own generated files: the same bytes every build.
        info = zipfile.ZipInfo(archive_name, self.source_time_stamp or (2016, 1, 1, 0, 0, 0))
        info.external_attr = (mode | stat.S_IFREG) << 16
        self.wheel_zip.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
        self.records.append((archive_name, digest, len(data)))

    def add_pth(self) -> None:
        super().add_pth()
        for name, text in self.editable_files.items():
            with self._write_to_zip(name) as f:
                f.write(text)

    def write_metadata(self) -> None:
        # flit-core's own, except for the WHEEL file, which it writes pure.
        if self.entrypoints:
            with self._write_to_zip(f"{self.dist_info}/entry_points.txt") as f:
                flit_common.write_entry_points(self.entrypoints, f)
        for file in self.metadata.license_files:
            self._add_file(self.directory / file, f"{self.dist_info}/licenses/{file}")
        with self._write_to_zip(f"{self.dist_info}/WHEEL") as f:
            f.write(wheel_file_text(self.tag))
        with self._write_to_zip(f"{self.dist_info}/METADATA") as f:
            self.metadata.write_metadata_file(f)


def make_wheel(
    settings: Settings,
    wheel_directory: Path,
    tag: str,
    built: Sequence[Built] = (),
    added: Mapping[str, Path] | None = None,
    editable_files: Mapping[str, str] | None = None,
) -> str:
    """Pack the wheel into ``wheel_directory`` and return its file name.

    ``added``: files the build hooks put into the wheel, by archive name.

    With ``editable_files`` it is an editable wheel: flit-core's .pth plus
    those files. It is written under a temporary name and renamed when
    complete, so the output folder never holds a partial wheel.
    """
    with writing(wheel_directory):
        return _write_wheel(settings, wheel_directory, tag, built, added or {}, editable_files)


def _write_wheel(
    settings: Settings,
    wheel_directory: Path,
    tag: str,
    built: Sequence[Built],
    added: Mapping[str, Path],
    editable_files: Mapping[str, str] | None,
) -> str:
    wheel_directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".zlig-", suffix=".whl.part", dir=wheel_directory)
    try:
        with flit_errors(), open(fd, "w+b") as fp:
            builder = _make_builder(settings, fp, tag, built)
            builder.editable_files = editable_files or {}
            builder.added = added
            builder.build(editable_files is not None)
        os.chmod(temp, 0o644)
        final = wheel_directory / builder.wheel_filename
        os.replace(temp, final)
    except BaseException:
        os.unlink(temp)
        raise
    return final.name


def _flit_project(project: Project) -> tuple[Any, Any, Any]:
    """flit-core's config, module and metadata, with zlig's module lookup."""
    info = flit_config.read_flit_config(project.root / "pyproject.toml")
    module = flit_module(info.module, project.root, project.python_source)
    return info, module, flit_common.make_metadata(module, info)


def write_metadata_dir(project: Project, metadata_directory: Path, tag: str) -> str:
    """prepare_metadata_for_build_wheel: the .dist-info the wheel will have."""
    with flit_errors():
        info, _, metadata = _flit_project(project)
        name = str(flit_common.dist_info_name(metadata.name, metadata.version))
        dist_info = metadata_directory / name
        dist_info.mkdir()
        (dist_info / "WHEEL").write_text(wheel_file_text(tag), encoding="utf-8")
        with (dist_info / "METADATA").open("w", encoding="utf-8") as f:
            metadata.write_metadata_file(f)
        if info.entrypoints:
            with (dist_info / "entry_points.txt").open("w", encoding="utf-8") as f:
                flit_common.write_entry_points(info.entrypoints, f)
    return name


def _make_builder(
    settings: Settings, fp: IO[bytes], tag: str, built: Sequence[Built]
) -> _WheelBuilder:
    # flit-core's WheelBuilder.from_ini_path, with zlig's module lookup.
    project = settings.project
    info, module, metadata = _flit_project(project)
    builder = _WheelBuilder(
        project.root, module, metadata, info.entrypoints, fp, info.data_directory
    )
    builder.tag = tag
    builder.built = built
    builder.skips = wheel_skips(settings.extensions, settings.root, module.source_dir) - set(
        settings.wheel_include
    )
    return builder


def dry_run(settings: Settings, tag: str, built: Sequence[Built]) -> tuple[str, list[str], Any]:
    """Pack the wheel in memory, as make_wheel would (``built``: stand-ins
    for the extensions): its file name, its members in order, and flit-core's
    module (commands/manifest.py)."""
    import io

    fp = io.BytesIO()
    with flit_errors():
        builder = _make_builder(settings, fp, tag, built)
        builder.build(False)
    with zipfile.ZipFile(fp) as zf:
        return builder.wheel_filename, zf.namelist(), builder
