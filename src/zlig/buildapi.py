"""The PEP 517 and PEP 660 hooks.

Each hook only reads the settings and delegates. Here (and in the command
line) zlig's errors become a ``zlig: error: ...`` line and exit status 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import settings as config
from .config.project import flit_errors
from .runtime.errors import exit_on_error

# Every hook runs in a new process: each imports only what it needs, so the
# get_requires hooks do not pay for compiling and packing (~40 ms).

ConfigSettings = Mapping[str, Any]


_hook = exit_on_error


def _settings(config_settings: ConfigSettings | None) -> config.Settings:
    # PEP 517: the hooks run with the project root as working directory.
    return config.load(Path.cwd(), config_settings)


@_hook
def get_requires_for_build_wheel(config_settings: ConfigSettings | None = None) -> list[str]:
    settings = _settings(config_settings)
    requires = list(_flit_requires(settings))
    # Zig is only asked for when there is something to compile and zlig has
    # not kept a copy already (see zig.find_zig): installing the ~100 MB
    # wheel into every isolated environment costs seconds.
    # include-packages (e.g. numpy) provide headers at build time.
    if settings.extensions:
        from .builder import zig

        if zig.kept_zig() is None:
            requires.append(zig.ZIG_REQUIREMENT)
    if any(ext.pyx for ext in settings.extensions):
        requires.append(settings.cython_requires)
    packages = {p.split(".")[0] for ext in settings.extensions for p in ext.include_packages}
    return requires + sorted(packages)


@_hook
def get_requires_for_build_editable(config_settings: ConfigSettings | None = None) -> list[str]:
    return get_requires_for_build_wheel(config_settings)


@_hook
def get_requires_for_build_sdist(config_settings: ConfigSettings | None = None) -> list[str]:
    return _flit_requires(_settings(config_settings))


def _flit_requires(settings: config.Settings) -> list[str]:
    """flit-core's: the runtime dependencies, when it must import the module for
    its version. A distribution that is only an extension has no module to read."""
    if not settings.project.exists:
        return []
    from flit_core import common as flit_common
    from flit_core import config as flit_config

    from .config.project import flit_module

    # flit-core's own get_requires_for_build_wheel, but looking for the module
    # where zlig does (python-source): flit-core's looks only in the root.
    with flit_errors():
        info = flit_config.read_flit_config(settings.root / "pyproject.toml")
        wanted = {"description", "version"} & set(info.dynamic_metadata)
        if not wanted:
            return []
        module = flit_module(info.module, settings.root, settings.project.python_source)
        docstring, version = flit_common.get_docstring_and_version_via_ast(module)
    if ("description" in wanted and not docstring) or ("version" in wanted and not version):
        requires: list[str] = info.metadata.get("requires_dist", [])
        return requires
    return []


@_hook
def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    return _prepare_metadata(Path(metadata_directory), _settings(config_settings))


@_hook
def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings | None = None
) -> str:
    return _prepare_metadata(Path(metadata_directory), _settings(config_settings))


def _prepare_metadata(metadata_directory: Path, settings: config.Settings) -> str:
    from .archives.wheel import write_metadata_dir
    from .builder.compile import build_extensions, expected_tag, has_build_hooks

    if has_build_hooks(settings):
        # Hooks never run here (their sources may be generated, and a frontend
        # asking for metadata expects no build steps): the WHEEL file names
        # the tag the audit gives at the floor; build_wheel writes the real one.
        return write_metadata_dir(settings.project, metadata_directory, expected_tag(settings))
    # The tag depends on what the audit finds in the built files, so build
    # them now; build_wheel then finds everything in Zig's cache.
    with build_extensions(settings) as build:
        return write_metadata_dir(settings.project, metadata_directory, build.tag)


@_hook
def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    from .archives.wheel import make_wheel
    from .builder.compile import build_extensions

    settings = _settings(config_settings)
    with build_extensions(settings) as build:
        return make_wheel(settings, Path(wheel_directory), build.tag, build.built, build.added)


@_hook
def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings | None = None,
    metadata_directory: str | None = None,
) -> str:
    from .archives import editable
    from .archives.wheel import make_wheel
    from .builder.compile import build_extensions
    from .builder.inputs import fingerprint

    settings = _settings(config_settings)
    # Taken before compiling: an edit made while Zig runs triggers the next rebuild.
    before = fingerprint(settings.extensions, settings.root, editable.rebuild_hook_files(settings))
    # Files the hooks add to the wheel are not installed: the package is
    # imported from the tree (hook_context.Context.editable says so).
    with build_extensions(settings, editable=True) as build:
        files = editable.loader_files(settings, build.built, before) if build.built else {}
        return make_wheel(settings, Path(wheel_directory), build.tag, editable_files=files)


@_hook
def build_sdist(sdist_directory: str, config_settings: ConfigSettings | None = None) -> str:
    from .archives.sdist import make_sdist

    return make_sdist(_settings(config_settings), Path(sdist_directory))
