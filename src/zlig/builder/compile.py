"""Compile the extensions: write the build plan, run ``zig build``, find the outputs.

Build state lives in the build folder (folder.py).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..config.extension import Extension
from ..config.settings import Settings
from ..platforms.audit import PURE_TAG, Built
from ..runtime.errors import BuildError
from .folder import build_folder

if TYPE_CHECKING:
    from ..platforms.target import Target
    from ..runtime.hook_context import Context
    from .uptodate import Key

# The modules that plan and audit a build are imported when there is something
# to compile: a pure-Python project's build costs little more than flit-core's.

_BUILD_ZIG = Path(__file__).with_name("build.zig")


class Build(NamedTuple):
    """What a build gives the packing step."""

    #: The wheel tag the built files earn.
    tag: str
    built: list[Built]
    #: Files the hooks add to the wheel: archive path -> file.
    added: dict[str, Path]


def has_build_hooks(settings: Settings) -> bool:
    return any(h.stage in ("before-build", "after-build") for h in settings.hooks)


@contextlib.contextmanager
def build_extensions(settings: Settings, editable: bool = False) -> Iterator[Build]:
    """Run the build hooks and compile the project's extensions; give the
    wheel tag they earn, the files, and what the hooks add to the wheel.

    On Linux with a manylinux floor, the built files are audited and the wheel
    gets the oldest manylinux tag they all satisfy. The build folder stays
    locked until the caller has packed the files: another build of the same
    project for the same tag (or an editable import rebuilding) waits, rather
    than replace the outputs while they are read.
    """
    if not settings.extensions and not has_build_hooks(settings):
        yield Build(PURE_TAG, [], {})
        return
    from ..platforms.target import resolve
    from ..runtime.editable_loader import locked

    target = resolve(settings)
    folder = build_folder(settings, target)
    folder.mkdir(exist_ok=True)
    with locked(folder):
        context = None
        if has_build_hooks(settings):
            from . import hooks

            context = make_hook_context(settings, target, folder, editable)
            hooks.run("before-build", settings.hooks, context)
            generated = hooks.generated_folder(folder)
            settings = settings._replace(
                extensions=hooks.with_generated(settings.extensions, generated, settings.root)
            )
        built: list[Built] = []
        compiled: list[str] = []
        start = time.monotonic()
        if settings.extensions:
            built, compiled = _build(settings, target, folder)
        if context is not None:
            context.built = {b.extension.name: b.path for b in built}
            hooks.run("after-build", settings.hooks, context)
        from . import console

        platform_tag = ""
        extensions = [b.extension for b in built]
        if settings.extensions:
            from ..platforms import audit
            from . import uptodate

            with console.timed("platform audit", settings.verbose):
                platform_tag = uptodate.checked(
                    folder / "audited.json",
                    (target, extensions),
                    [b.path for b in built],
                    lambda: audit.platform_tag(target, built, folder),
                )
        # PURE_TAG if every extension was optional and failed.
        tag = f"{target.python_tag(extensions)}-{platform_tag}" if built else PURE_TAG
        if built:
            seconds = time.monotonic() - start
            print(console.built_line(extensions, compiled, seconds, tag), flush=True)
        yield Build(tag, built, dict(context.wheel_files) if context is not None else {})


def make_hook_context(settings: Settings, target: Target, folder: Path, editable: bool) -> Context:
    """The context the build hooks share (a hook_context.Context)."""
    from . import hooks
    from .plan import output_name

    pure = not settings.extensions
    return hooks.make_context(
        settings,
        folder,
        target="" if pure else target.platform.zig_target,
        tag=PURE_TAG if pure else target.build_tag(settings.extensions),
        editable=editable,
        outputs={ext.name: output_name(ext, target) for ext in settings.extensions},
    )


def _build(settings: Settings, target: Target, folder: Path) -> tuple[list[Built], list[str]]:
    """Compile and link with Zig, then check the undefined symbols."""
    from . import console, uptodate, zig

    zig_exe = zig.find_zig()
    if target.platform.arch == "universal2":
        built, compiled = _compile_universal2(settings, folder, zig_exe)
    else:
        built, compiled = _compile(settings, target, folder, zig_exe)
    if "-linux-" in target.platform.zig_target:  # ELF files
        from ..platforms import linkcheck

        with console.timed("undefined-symbol check", settings.verbose):
            uptodate.checked(
                folder / "linkchecked.json",
                (target, [b.extension for b in built], settings.root),
                [b.path for b in built],
                lambda: linkcheck.check(built, target, settings.root, zig_exe.parent),
            )
    return built, compiled


def expected_tag(settings: Settings) -> str:
    """The tag the wheel gets if the audit passes at the manylinux floor,
    without compiling (prepare_metadata of a project with hooks; inspect)."""
    if not settings.extensions:
        return PURE_TAG
    from ..platforms.target import resolve

    target = resolve(settings)
    plat = target.platform
    platform_tag = plat.plain_tag
    if plat.manylinux:
        from ..platforms import manylinux

        platform_tag = manylinux.floor_policy(plat.manylinux, "manylinux").tags(plat.arch)
    elif plat.musllinux:
        platform_tag = f"musllinux_{plat.musllinux}_{plat.arch}"  # as musllinux.audit gives
    return f"{target.python_tag(settings.extensions)}-{platform_tag}"


def _compile_universal2(
    settings: Settings, folder: Path, zig_exe: Path
) -> tuple[list[Built], list[str]]:
    """Both macOS architectures, each in a build folder of its own below
    ``folder``, joined into fat files in ``folder/out``."""
    from ..platforms import macho
    from ..platforms.target import resolve

    slices = []
    for name in ("x86_64-macos", "aarch64-macos"):
        target = resolve(settings._replace(target=name))
        sub = folder / target.platform.arch
        sub.mkdir(exist_ok=True)
        slices.append(_compile(settings, target, sub, zig_exe))
    (intel, intel_compiled), (arm, arm_compiled) = slices
    arm_paths = {b.extension.name: b.path for b in arm}
    built = []
    for item in intel:  # an optional extension is left out if either failed
        if item.extension.name in arm_paths:
            fat = folder / "out" / item.wheel_path
            macho.make_fat([item.path, arm_paths[item.extension.name]], fat)
            built.append(item._replace(path=fat))
    return built, intel_compiled + arm_compiled


def _compile(
    settings: Settings, target: Target, folder: Path, zig_exe: Path
) -> tuple[list[Built], list[str]]:
    """The built extensions, and the C files Zig compiled (not found in its cache)."""
    import json

    from ..runtime.editable_loader import stamp, write_stamp_sources, zig_build_command
    from . import console, uptodate, zig
    from .inputs import stamp_inputs
    from .plan import CPU_RUNTIME, make_plan, output_name
    from .warmup import warming

    _write_if_changed(folder / "build.zig", _BUILD_ZIG.read_text(encoding="utf-8"))
    _write_if_changed(folder / CPU_RUNTIME.name, CPU_RUNTIME.read_text(encoding="utf-8"))
    out = folder / "out"
    outputs = {ext: out / output_name(ext, target) for ext in settings.extensions}
    try:
        command = zig_build_command(
            zig_exe, out, pch=settings.precompiled_header, verbose=settings.verbose
        )
    except ValueError as e:  # $ZLIG_JOBS
        raise BuildError(str(e)) from None
    # Before-build hooks may write other sources every time: only the
    # stamps, which read them, can tell. Cython's annotation is announced by
    # the translation step.
    skip = has_build_hooks(settings) or settings.cython_annotate
    shortcut = "" if skip else _shortcut(settings, target, command)
    if shortcut and uptodate.reusable(folder, shortcut, outputs.values()):
        if settings.verbose:
            print("zlig: nothing changed since the last build: zig build not run", flush=True)
        compiled_as = _translated(settings, folder)
        return [
            Built(compiled_as[ext], path, output_name(ext, target)) for ext, path in outputs.items()
        ], []
    configured = settings
    # Stat'ed before Cython, the plan and Zig read them: a file saved during
    # the build must not look built to the next one (uptodate.remember_build).
    # The last build's list is enough (a file it lacks leaves this build
    # without a shortcut); finding the files costs more (~20 ms for 64).
    before: dict[str, str] = {}
    if shortcut:
        files = uptodate.listed(folder) or _shortcut_files(configured, folder) or []
        before = uptodate.snapshot(files)
    if any(ext.pyx for ext in settings.extensions):
        from . import cython

        with console.timed("cython", settings.verbose):
            extensions, _ = cython.translate(
                settings.extensions,
                settings.project,
                folder,
                settings.cython_requires,
                settings.verbose,
                settings.cython_annotate,
            )
        settings = settings._replace(extensions=extensions)
    if target.platform.os == "windows":
        from ..platforms import windows

        windows.prepare(settings.extensions, target, folder, zig_exe)
    plan = make_plan(settings, target, folder, zig_exe.parent)
    inputs = stamp_inputs(plan, folder, settings.extensions, settings.root)
    stamps = {n: stamp(*i, str(settings.root)) for n, i in inputs.items()}
    write_stamp_sources(folder, stamps)
    _write_if_changed(folder / "plan.json", json.dumps(plan, indent=1, sort_keys=True) + "\n")
    if settings.verbose:
        print("\n".join(console.plan_lines(plan, settings.root, folder)), flush=True)
    # Keyed by the extensions as configured; built from the translated ones.
    outputs = {
        ext: outputs[before] for before, ext in zip(configured.extensions, settings.extensions)
    }
    key = uptodate.build_key(folder, plan, stamps, command)
    if key and shortcut:  # before Zig reads them; the sources were stat'ed first
        before = {**uptodate.snapshot(key.files), **before}
    if key and uptodate.outputs_unchanged(folder, key, outputs.values()):
        if settings.verbose:
            print("zlig: nothing changed since the last build: zig build not run", flush=True)
        if shortcut:  # the shortcut's files had changed, not the build's inputs
            _remember(folder, key, list(outputs.values()), shortcut, configured, before)
        return [Built(ext, path, output_name(ext, target)) for ext, path in outputs.items()], []
    uptodate.forget_build(folder)
    # Zig re-installs unchanged outputs from its cache in no time; removing
    # them first means that what is there afterwards was built by this run.
    for path in outputs.values():
        path.unlink(missing_ok=True)
    compiled: list[str] = []
    try:
        with console.timed("zig build", settings.verbose), warming(zig_exe, plan, folder):
            report = zig.run(
                command,
                folder,
                settings.root,
                verbose=settings.verbose,
                include_dirs=[d for ext in plan["extensions"] for d in ext["include_dirs"]],
                progress=console.progress(settings.extensions),
            )
        compiled = report.compiled
    except BuildError as error:
        failed = [ext for ext, path in outputs.items() if not path.is_file()]
        if target.platform.os == "windows":
            from ..platforms import windows

            error = windows.explain_link_error(error, failed)
        if not failed or not all(ext.optional for ext in failed):
            raise error from None
        for ext in failed:
            print(
                f"zlig: warning: skipping optional extension {ext.name}: {error.message}",
                file=sys.stderr,
            )
    else:
        if key:
            _remember(folder, key, list(outputs.values()), shortcut, configured, before)
    built = [
        Built(ext, path, output_name(ext, target))
        for ext, path in outputs.items()
        if path.is_file() or not ext.optional
    ]
    return built, compiled


def _shortcut(settings: Settings, target: Target, command: list[str]) -> str:
    """The key of uptodate's shortcut: what decides the plan besides the
    contents of the files it stats (Cython's version decides the generated C)."""
    from . import uptodate

    cython = ""
    if any(ext.pyx for ext in settings.extensions):
        from importlib import metadata

        try:
            cython = metadata.version("Cython")
        except metadata.PackageNotFoundError:
            return ""  # the build says what to install
    return uptodate.shortcut_key((settings._replace(verbose=False), target, command, cython))


def _translated(settings: Settings, folder: Path) -> dict[Extension, Extension]:
    """Each extension as the build compiles it: a .pyx source replaced by the
    C Cython made of it, without running Cython."""
    extensions = settings.extensions
    if not any(ext.pyx for ext in extensions):
        return {ext: ext for ext in extensions}
    from . import cython

    translations = cython.planned(extensions, settings.project, folder, settings.cython_annotate)
    return dict(zip(extensions, cython.compiled_as(extensions, translations)))


def _remember(
    folder: Path,
    key: Key,
    outputs: list[Path],
    shortcut: str,
    configured: Settings,
    before: dict[str, str],
) -> None:
    """Record a successful build and, with ``shortcut``, the files its
    shortcut stats again, with the stat lines ``before`` took of them before
    the build read them. A file the build depended on that ``before`` did not
    stat (a Cython input first named by this build's depfile) leaves the
    build without a shortcut: the next build makes the plan, and records it."""
    from . import uptodate

    if shortcut:
        files = _shortcut_files(configured, folder, complete=True)
        if files is None or not all(f in before for f in files):
            shortcut = ""
        else:
            before = {f: before[f] for f in (*key.files, *files)}
    uptodate.remember_build(folder, key, outputs, shortcut, before)


def _shortcut_files(settings: Settings, folder: Path, complete: bool = False) -> list[str] | None:
    """What the build record's shortcut stats: the project's sources and
    headers with the folders holding them (files.watched), and the files
    Cython read (its depfiles). Without a depfile, None if ``complete``, else
    the rest (a first translation has none yet)."""
    from ..runtime import cython_runner
    from .inputs import watched

    folders, files = watched(settings.extensions, settings.root)
    found = [*folders, *files]
    if any(ext.pyx for ext in settings.extensions):
        from . import cython

        translations = cython.planned(settings.extensions, settings.project, folder)
        for translation in translations.values():
            try:
                found += cython_runner.inputs(translation.job, str(settings.root))
            except OSError:  # no depfile yet
                if complete:
                    return None
    return found


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
