"""Running the project's own build steps (``[tool.zlig.hooks]``, read by
config/hooks.py), and the sources they generate.

``before-build`` runs before anything is compiled (wheel, editable install and
its rebuilds on import, in-place build), ``after-build`` after the extensions
are linked and before the audit and packing, ``before-sdist`` before the sdist
is packed. Never in ``get_requires_*`` or ``prepare_metadata_*``. What a hook
is given and may do is in runtime/hook_context.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import validate
from ..config.extension import GENERATED, Extension
from ..config.hooks import Hook
from ..runtime.errors import BuildError

if TYPE_CHECKING:
    from ..config.settings import Settings
    from ..runtime.hook_context import Context


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
    from ..config.project import flit_version
    from ..runtime.hook_context import Context

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

    from ..runtime.hook_context import HookFailed, call

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
    from .folder import build_dir

    folder = build_dir(settings) / "sdist"
    folder.mkdir(exist_ok=True)
    context = make_context(settings, folder, target="", tag="", editable=False, outputs={})
    run("before-sdist", settings.hooks, context)
    return context.sdist_files
