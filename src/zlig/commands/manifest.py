"""``python -m zlig inspect``: what the sdist and the wheel will hold, and why.

Nothing is compiled and no hook runs. The sdist's list is the selection its
build packs (sdist.py); the wheel's comes from packing it in memory with
empty stand-ins for the extensions (wheel.dry_run), so both are what a build
writes, except the files hooks add, which are known only once they run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..builder.compile import expected_tag
from ..config import validate
from ..config.extension import GENERATED, Extension
from ..config.settings import Settings
from ..platforms.audit import PURE_TAG, Built

#: The manifest's ``format``; bumped when a key changes meaning.
FORMAT = 1


def manifest(settings: Settings) -> dict[str, Any]:
    """The manifest as JSON-able data (README: "Inspecting a build")."""
    from ..archives.sdist import build_inputs, make_builder

    tag = expected_tag(settings)
    outputs = _outputs(settings)
    sdist = make_builder(settings)
    selection = sdist.selection()
    sdist_files = [{"path": p, "reason": selection[p]} for p in sorted(selection)]
    sdist_files.append({"path": "PKG-INFO", "reason": "metadata"})
    wheel_name, wheel_files, left_out = _wheel(settings, tag, outputs)
    inputs = build_inputs(settings)
    return {
        "format": FORMAT,
        "name": sdist.metadata.name,
        "version": sdist.metadata.version,
        "tag": tag,
        "sdist": {
            "filename": f"{sdist.dir_name}.tar.gz",
            "files": sdist_files,
            "added-by-hooks": _hooks(settings, "before-sdist"),
        },
        "wheel": {
            "filename": wheel_name,
            "files": wheel_files,
            "added-by-hooks": _hooks(settings, "before-build", "after-build"),
            "left-out": [
                {"path": p, "reason": inputs.get(p, "built in place earlier")} for p in left_out
            ],
        },
        "extensions": [
            _extension(ext, outputs.get(ext.name, ""), settings) for ext in settings.extensions
        ],
        "hooks": {
            stage: _hooks(settings, stage)
            for stage in ("before-build", "after-build", "before-sdist")
        },
    }


def _hooks(settings: Settings, *stages: str) -> list[str]:
    return [h.spec for h in settings.hooks if h.stage in stages]


def _outputs(settings: Settings) -> dict[str, str]:
    """Each extension's path in the wheel."""
    if not settings.extensions:
        return {}
    from ..builder.plan import output_name
    from ..platforms.target import resolve

    target = resolve(settings)
    return {ext.name: output_name(ext, target) for ext in settings.extensions}


def _wheel(
    settings: Settings, tag: str, outputs: dict[str, str]
) -> tuple[str, list[dict[str, str]], list[str]]:
    from ..archives.wheel import dry_run

    root = settings.root
    with tempfile.TemporaryDirectory() as folder:
        stand_in = Path(folder) / "extension"
        stand_in.touch()
        built = [Built(ext, stand_in, outputs[ext.name]) for ext in settings.extensions]
        name, members, builder = dry_run(settings, tag, built)
    module = builder.module
    source_dir = Path(module.source_dir)
    kept = {Path(p).resolve() for p in settings.wheel_include}
    extensions = {outputs[ext.name]: ext for ext in settings.extensions}
    dist_info = builder.dist_info
    files = []
    for member in members:
        if member in extensions:
            ext = extensions[member]
            reason = f"extension {ext.name} ({ext.key})"
        elif member.startswith(f"{dist_info}/licenses/"):
            reason = "[project] license-files"
        elif member.startswith(f"{dist_info}/"):
            reason = "metadata"
        elif member.split("/")[0].endswith(".data"):
            reason = "tool.flit.external-data"
        elif (source_dir / member).resolve() in kept:
            reason = "tool.zlig.wheel.include"
        else:
            reason = f"{'package' if module.is_package else 'module'} {module.name}"
        files.append({"path": member, "reason": reason})
    left_out = sorted(
        validate.relative(Path(p).resolve(), root)
        for p in module.iter_files()
        if Path(p).resolve() in builder.skips or Path(p).suffix in (".o", ".obj")
    )
    return name, files, left_out


def _extension(ext: Extension, output: str, settings: Settings) -> dict[str, Any]:
    root = settings.root

    def rel(paths: tuple[Path, ...]) -> list[str]:
        return [validate.relative(p, root) for p in paths]

    return {
        "name": ext.name,
        "key": ext.key,
        "output": output,
        "sources": [*rel(ext.sources), *(GENERATED + g for g, _ in ext.generated_sources)],
        "left-out-by-marker": rel(ext.other_sources),
        "include-dirs": rel(ext.include_dirs),
        "define-macros": [n if v is None else f"{n}={v}" for n, v in ext.define_macros],
        "undef-macros": list(ext.undef_macros),
        "libraries": list(ext.link_libraries()),
        "library-dirs": rel(ext.library_dirs),
        "extra-compile-args": list(ext.extra_compile_args),
        "source-compile-args": {
            **{validate.relative(p, root): list(a) for p, a in ext.source_args},
            **{GENERATED + g: list(a) for g, a in ext.generated_sources if a},
        },
        "optimize": ext.optimize,
        "strip": ext.stripped,
        "optional": ext.optional,
        "py-limited-api": "cp{}{}".format(*ext.limited_api) if ext.limited_api else None,
        "cython": None
        if ext.pyx is None
        else {
            # None: C, unless the .pyx says "# distutils: language = c++".
            "language": ext.language,
            "directives": dict(ext.cython_directives),
            "compile-time-env": dict(ext.cython_compile_time_env),
            "include-dirs": rel(ext.cython_include_dirs),
        },
    }


def text(data: dict[str, Any]) -> str:
    """The manifest for people: one line per file, with the reason."""
    lines = [f"{data['name']} {data['version']}", ""]
    for kind in ("sdist", "wheel"):
        archive = data[kind]
        lines.append(f"{kind} {archive['filename']}:")
        lines += _table(archive["files"])
        for spec in archive["added-by-hooks"]:
            lines.append(f"  + the files {spec} adds")
        if archive.get("left-out"):
            lines.append("  left out of the wheel:")
            lines += _table(archive["left-out"], indent="    ")
        lines.append("")
    if data["tag"] != PURE_TAG:
        lines.append(
            f"tag {data['tag']}, if the audit finds the extensions fit for the manylinux floor"
            if "manylinux" in data["tag"]
            else f"tag {data['tag']}"
        )
        lines.append("")
    for ext in data["extensions"]:
        lines.append(f"extension {ext['name']} ({ext['key']}) -> {ext['output']}")
        for key in ("sources", "include-dirs", "define-macros", "undef-macros", "libraries"):
            if ext[key]:
                lines.append(f"  {key}: {' '.join(ext[key])}")
        for key in ("library-dirs", "extra-compile-args", "left-out-by-marker"):
            if ext[key]:
                lines.append(f"  {key}: {' '.join(ext[key])}")
        for source, args in ext["source-compile-args"].items():
            lines.append(f"  {source}: {' '.join(args)}")
        cython = ext["cython"]
        if cython:
            options = [f"language {cython['language'] or 'c (or as the .pyx says)'}"]
            options += [f"-X {k}={v}" for k, v in cython["directives"].items()]
            options += [f"-E {k}={v}" for k, v in cython["compile-time-env"].items()]
            options += [f"-I {d}" for d in cython["include-dirs"]]
            lines.append(f"  cython: {' '.join(options)}")
        flags = [ext["optimize"], "stripped" if ext["strip"] else "with debug info"]
        if ext["optional"]:
            flags.append("optional")
        if ext["py-limited-api"]:
            flags.append(f"stable ABI {ext['py-limited-api']}")
        lines.append(f"  {', '.join(flags)}")
    for stage, specs in data["hooks"].items():
        for spec in specs:
            lines.append(f"hook {stage}: {spec}")
    return "\n".join(lines).rstrip() + "\n"


def _table(files: list[dict[str, str]], indent: str = "  ") -> list[str]:
    width = max((len(f["path"]) for f in files), default=0)
    return [f"{indent}{f['path']:<{width}}  {f['reason']}" for f in files]
