"""Compile the extensions: write the build plan, run ``zig build``, find the outputs.

Build state lives in ``<build-dir>/<wheel tag>/`` inside the project (flit-core
refuses to pack files from outside it): the fixed ``build.zig``, the plan,
Zig's local cache and the installed outputs. The build folder carries a
``.gitignore`` of ``*`` so that it never shows up in ``git status``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from . import zig
from .config import Settings
from .errors import BuildError
from .extension import Extension
from .plan import make_plan, output_name
from .target import PURE_TAG, Target, resolve

_BUILD_ZIG = Path(__file__).with_name("build.zig")


@dataclass(frozen=True)
class Built:
    """A compiled extension and where it belongs."""

    extension: Extension
    #: The file Zig produced.
    path: Path
    #: Its path inside the wheel (and below the package's source folder).
    wheel_path: str


def build_folder(settings: Settings, target: Target) -> Path:
    return settings.build_dir / target.build_tag(settings.extensions)


def build_extensions(settings: Settings) -> tuple[str, list[Built]]:
    """Compile the project's extensions; return the wheel tag they earn and the files.

    On Linux with a manylinux floor, the built files are audited and the wheel
    gets the oldest manylinux tag they all satisfy.
    """
    if not settings.extensions:
        return PURE_TAG, []
    target = resolve(settings)
    built = compile_extensions(settings, target)
    plat = target.platform
    platform_tag = plat.plain_tag
    if plat.manylinux:
        from . import manylinux  # reads ELF files with pyelftools

        floor = manylinux.floor_policy(plat.manylinux, "manylinux")
        policy = manylinux.audit([(b.extension.name, b.path) for b in built], floor, plat.arch)
        platform_tag = policy.tags(plat.arch)
    if not built:
        return PURE_TAG, built  # every extension was optional and failed
    return f"{target.python_tag([b.extension for b in built])}-{platform_tag}", built


def compile_extensions(settings: Settings, target: Target) -> list[Built]:
    """Build every extension of the project and return the built files."""
    folder = build_folder(settings, target)
    _make_build_dir(settings.build_dir, folder)
    zig_exe = zig.find_zig()
    _write_if_changed(folder / "build.zig", _BUILD_ZIG.read_text(encoding="utf-8"))
    plan = make_plan(settings, target, zig_exe.parent)
    _write_if_changed(folder / "plan.json", json.dumps(plan, indent=1, sort_keys=True) + "\n")
    out = folder / "out"
    outputs = {ext: out / output_name(ext, target) for ext in settings.extensions}
    # Zig re-installs unchanged outputs from its cache in no time; removing
    # them first means that what is there afterwards was built by this run.
    for path in outputs.values():
        path.unlink(missing_ok=True)
    args = [str(zig_exe), "build", "-Dplan=plan.json", "--prefix", str(out)]
    try:
        zig.run([*args, "--color", "off", "--summary", "none"], folder, settings.root)
    except BuildError as error:
        failed = [ext for ext, path in outputs.items() if not path.is_file()]
        if not failed or not all(ext.optional for ext in failed):
            raise
        for ext in failed:
            print(
                f"zlig: warning: skipping optional extension {ext.name}: {error.message}",
                file=sys.stderr,
            )
    return [
        Built(ext, path, output_name(ext, target))
        for ext, path in outputs.items()
        if path.is_file() or not ext.optional
    ]


def _make_build_dir(build_dir: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ignore = build_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by zlig: build state, never committed.\n*\n", encoding="utf-8")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
