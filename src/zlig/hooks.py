"""``[tool.zlig.hooks]``: the project's own build steps, and generated sources.

``before-build`` runs before anything is compiled (wheel, editable install and
its rebuilds on import, in-place build), ``after-build`` after the extensions
are linked and before the audit and packing, ``before-sdist`` before the sdist
is packed. Never in ``get_requires_*`` or ``prepare_metadata_*``. What a hook
is given and may do is in hook_context.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import validate
from .errors import BuildError, ConfigError
from .extension import GENERATED, Extension
from .project import is_inside

# config.py reads [tool.zlig.hooks] in every hook process: what runs hooks
# is imported only when they run.
if TYPE_CHECKING:
    from .config import Settings
    from .hook_context import Context

STAGES = ("before-build", "after-build", "before-sdist")


class Hook(NamedTuple):
    stage: str
    #: As written: ``tools/gen.py:main``.
    spec: str
    #: The file, absolute (a build input: always in the sdist).
    path: Path


def parse(table: Any, root: Path) -> tuple[Hook, ...]:
    """``[tool.zlig.hooks]``: each stage a ``"file.py:function"`` or a list of them."""
    if not isinstance(table, dict):
        raise ConfigError(f"tool.zlig.hooks must be a table, not {validate.type_name(table)}")
    validate.check_keys(table, STAGES, "tool.zlig.hooks")
    hooks = []
    for stage in STAGES:
        key = f"tool.zlig.hooks.{stage}"
        value = table.get(stage, [])
        specs = [value] if isinstance(value, str) else value
        for spec in validate.string_list(specs, key):
            hooks.append(Hook(stage, spec, _hook_file(spec, key, root)))
    return tuple(hooks)


def _hook_file(spec: str, key: str, root: Path) -> Path:
    filename, colon, function = spec.rpartition(":")
    if not colon or not filename.endswith(".py") or not function:
        raise ConfigError(f"{key}: {spec!r} must be 'path/to/file.py:function'")
    if not all(part.isidentifier() for part in function.split(".")):
        raise ConfigError(f"{key}: {function!r} is not a Python name")
    if Path(filename).is_absolute() or ".." in Path(filename).parts:
        raise ConfigError(f"{key}: {filename!r} must be a file inside the project")
    path = root / filename
    if not validate.is_file(path):
        raise ConfigError(f"{key}: {filename!r} is not a file")
    if not is_inside(path.resolve(), root):  # a link to elsewhere: not in the sdist
        raise ConfigError(f"{key}: {filename!r} resolves to a file outside the project")
    return path.resolve()


def generated_folder(build_folder: Path) -> Path:
    return build_folder / "generated"


def make_context(
    settings: Settings,
    build_folder: Path,
    *,
    target: str,
    tag: str,
    editable: bool,
    outputs: Mapping[str, str],
) -> Context:
    """The context every hook of one build shares."""
    from .hook_context import Context
    from .project import flit_version

    name, version = flit_version(settings.project)
    generated_folder(build_folder).mkdir(parents=True, exist_ok=True)
    return Context(
        root=str(settings.root),
        build_dir=str(build_folder),
        name=name,
        version=version,
        target=target,
        tag=tag,
        config_settings=dict(settings.config_settings),
        extensions=[
            {
                "name": ext.name,
                "sources": [
                    *(validate.relative(s, settings.root) for s in ext.sources),
                    *(GENERATED + g for g, _ in ext.generated_sources),
                ],
                "output": outputs.get(ext.name, ""),
            }
            for ext in settings.extensions
        ],
        editable=editable,
    )


def run(stage: str, hooks: Sequence[Hook], context: Context) -> None:
    """Run the hooks of one stage, in order; a failure is a BuildError with
    the hook's traceback, and the generated folder is removed (nothing
    half-made is compiled by the next build)."""
    import shutil

    from .hook_context import HookFailed, call

    for hook in hooks:
        if hook.stage != stage:
            continue
        try:
            call(hook.spec, stage, context)
        except HookFailed as e:
            shutil.rmtree(context.generated, ignore_errors=True)
            raise BuildError(e.message, e.details) from None


def with_generated(
    extensions: Sequence[Extension], generated: Path, root: Path
) -> tuple[Extension, ...]:
    """The extensions after the before-build hooks ran: ``$generated/...``
    sources found in the generated folder, which is on every include path."""
    resolved = []
    for ext in extensions:
        sources = list(ext.sources)
        source_args = list(ext.source_args)
        for pattern, args in ext.generated_sources:
            matches = sorted(p for p in generated.glob(pattern) if p.is_file())
            if not matches:
                import shutil

                shutil.rmtree(generated, ignore_errors=True)
                raise BuildError(
                    f"{ext.key}.sources: {GENERATED + pattern!r} matches no file that the "
                    f"before-build hooks wrote into {validate.relative(generated, root)}"
                )
            sources += matches
            source_args += [(p, args) for p in matches if args]
        resolved.append(
            ext._replace(
                sources=tuple(sorted(set(sources))),
                source_args=tuple(source_args),
                include_dirs=(*ext.include_dirs, generated),
            )
        )
    return tuple(resolved)


def sdist_hooks(settings: Settings) -> dict[str, Path]:
    """Run the before-sdist hooks (in ``<build-dir>/sdist``); the files they
    add to the sdist, by archive path."""
    from .compile import build_dir

    folder = build_dir(settings) / "sdist"
    folder.mkdir(exist_ok=True)
    context = make_context(settings, folder, target="", tag="", editable=False, outputs={})
    run("before-sdist", settings.hooks, context)
    return context.sdist_files
