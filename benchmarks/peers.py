"""The zlig project for zlig's peers: meson-python and scikit-build-core (gcc).

From one zlig project it makes, read through zlig's own configuration loader
(as projects.py does for setuptools):

- a meson-python project: ``meson.build`` with one ``py.extension_module`` per
  zlig extension (sources, include folders, macros and compile arguments as
  ``c_args``/``cpp_args``, ``c_std``/``cpp_std``, libraries as link arguments;
  ``.pyx`` sources translated by meson's own Cython support) and
  ``py.install_sources`` for the package's Python files;
- a scikit-build-core project: ``CMakeLists.txt`` with one
  ``python_add_library(... MODULE WITH_SOABI)`` per extension, installed into
  the package's folder; a ``.pyx`` is translated by an ``add_custom_command``
  running ``cython`` with a depfile (so a ``.pxd`` edit rebuilds its users
  only); the Python files come from ``wheel.packages``.

Both keep the project's ``[project]`` table. How they are built (persistent
build folders, release flags) is in builds.py and benchmarks/README.md.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import projects

from zlig.config import settings as config
from zlig.config.extension import Extension

#: The build folder the peers' documentation recommends for rebuilds, relative
#: to the project: meson-python's ``-Cbuild-dir=build``, and scikit-build-core's
#: ``build-dir`` (one folder per wheel tag, as its documentation shows).
MESON_BUILD_DIR = "build"
SKBUILD_BUILD_DIR = "build/{wheel_tag}"


def _q(text: str) -> str:
    """A meson string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _meson_list(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _cmake(text: str) -> str:
    """A CMake argument, quoted."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _macro_args(ext: Extension) -> list[str]:
    defines = [f"-D{n}" if v is None else f"-D{n}={v}" for n, v in ext.define_macros]
    return defines + [f"-U{n}" for n in ext.undef_macros] + list(ext.extra_compile_args)


def _link_args(ext: Extension, root: Path) -> list[str]:
    dirs = [f"-L{projects.relative(d, root)}" for d in ext.library_dirs]
    return dirs + [f"-l{lib}" for lib in ext.libraries]


def _python_files(settings: config.Settings) -> list[Path]:
    """The package's Python files, relative to the project root."""
    package = settings.project.source_dir / settings.project.module
    found = sorted(package.rglob("*.py")) if package.is_dir() else []
    return [p.relative_to(settings.root) for p in found if "__pycache__" not in p.parts]


def _pyproject(zlig_project: Path, dest: Path, head: str, tool: str) -> None:
    text = (zlig_project / "pyproject.toml").read_text(encoding="utf-8")
    rest = projects.without_tables(text, ("build-system", "tool.zlig"))
    (dest / "pyproject.toml").write_text(head + rest + tool, encoding="utf-8")


def _git_repository(dest: Path) -> None:
    """meson-python's sdist is ``meson dist``, which packs a git commit."""
    (dest / ".gitignore").write_text("build/\ndist/\n", encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "benchmark project"]):
        subprocess.run([*git, *args], cwd=dest, check=True, stdout=subprocess.DEVNULL)


def _meson_extension(ext: Extension, root: Path, package: str) -> str:
    projects.check_mirrored(ext)
    package_path, _, name = ext.name.rpartition(".")
    sources = [projects.relative(s, root) for s in ext.sources]
    includes = [projects.relative(d, root) for d in ext.include_dirs]
    options = []
    if ext.c_std:
        options.append(f"c_std={ext.c_std}")
    if ext.cxx_std:
        options.append(f"cpp_std={ext.cxx_std}")
    args = _macro_args(ext)
    fields = [
        f"    {_q(name)},",
        f"    {_meson_list(sources)},",
        f"    include_directories: include_directories({', '.join(_q(i) for i in includes)}),",
        f"    c_args: {_meson_list(args)},",
        f"    cpp_args: {_meson_list(args)},",
        f"    link_args: {_meson_list(_link_args(ext, root))},",
        f"    override_options: {_meson_list(options)},",
        # Cython finds cimported modules (zbench.common) from the package root.
        f"    cython_args: ['-I', meson.current_source_dir() / {_q(package)}],",
        "    install: true,",
        f"    subdir: {_q(package_path.replace('.', '/'))},",
    ]
    return "py.extension_module(\n" + "\n".join(fields) + "\n)\n"


def meson_python(zlig_project: Path, dest: Path) -> Path:
    """A copy of the project built by meson-python, with the same extensions."""
    settings = config.load(zlig_project)
    projects.copy(zlig_project, dest)
    root = settings.root
    languages = {"c"} | {lang for e in settings.extensions for lang in e.languages()}
    meson_languages = sorted({"c++": "cpp"}.get(lang, lang) for lang in languages)
    package_root = projects.relative(settings.project.source_dir, root)
    lines = [
        "# Generated by benchmarks/peers.py: the zlig project's extensions for meson-python.",
        f"project({_q(settings.project.module)}, {_meson_list(meson_languages)})",
        "py = import('python').find_installation(pure: false)",
        "",
    ]
    lines += [_meson_extension(e, root, package_root) for e in settings.extensions]
    for path in _python_files(settings):
        subdir = path.parent.relative_to(package_root).as_posix()
        lines.append(f"py.install_sources({_q(path.as_posix())}, subdir: {_q(subdir)})")
    (dest / "meson.build").write_text("\n".join(lines) + "\n", encoding="utf-8")
    head = projects.build_system(["meson-python", "meson", "ninja"], "mesonpy")
    _pyproject(zlig_project, dest, head, "")
    _git_repository(dest)
    return dest


def _cmake_extension(ext: Extension, root: Path, package_root: str) -> str:
    projects.check_mirrored(ext)
    target = ext.name.replace(".", "_")
    package_path, _, name = ext.name.rpartition(".")
    sources = []
    lines = []
    for source in ext.sources:
        relative = projects.relative(source, root)
        if source.suffix != ".pyx":
            sources.append(relative)
            continue
        # Cython's C in the build folder; its depfile names the .pxd files it
        # cimports, so that a .pxd edit rebuilds the modules that use it.
        c = f"${{CMAKE_CURRENT_BINARY_DIR}}/{target}.c"
        lines += [
            "add_custom_command(",
            f"  OUTPUT {c}",
            "  COMMAND Python::Interpreter -m cython --depfile",
            f"    -I ${{CMAKE_CURRENT_SOURCE_DIR}}/{package_root}",
            f"    --module-name {ext.name}",
            f"    ${{CMAKE_CURRENT_SOURCE_DIR}}/{relative} -o {c}",
            f"  DEPENDS {relative}",
            f"  DEPFILE {c}.dep",
            "  VERBATIM)",
        ]
        sources.append(c)
    lines.append(f"python_add_library({target} MODULE WITH_SOABI {' '.join(sources)})")
    lines.append(f"set_target_properties({target} PROPERTIES OUTPUT_NAME {name})")
    includes = [projects.relative(d, root) for d in ext.include_dirs]
    if includes:
        lines.append(f"target_include_directories({target} PRIVATE {' '.join(includes)})")
    options = [*(_cmake(a) for a in _macro_args(ext))]
    if ext.c_std:
        options.append(f'"$<$<COMPILE_LANGUAGE:C>:-std={ext.c_std}>"')
    if ext.cxx_std:
        options.append(f'"$<$<COMPILE_LANGUAGE:CXX>:-std={ext.cxx_std}>"')
    if options:
        lines.append(f"target_compile_options({target} PRIVATE {' '.join(options)})")
    if ext.library_dirs:
        dirs = " ".join(_cmake(projects.relative(d, root)) for d in ext.library_dirs)
        lines.append(f"target_link_directories({target} PRIVATE {dirs})")
    if ext.libraries:
        libraries = " ".join(map(_cmake, ext.libraries))
        lines.append(f"target_link_libraries({target} PRIVATE {libraries})")
    lines.append(f"install(TARGETS {target} DESTINATION {package_path.replace('.', '/')})")
    return "\n".join(lines) + "\n"


def scikit_build_core(zlig_project: Path, dest: Path) -> Path:
    """A copy of the project built by scikit-build-core, with the same extensions."""
    settings = config.load(zlig_project)
    projects.copy(zlig_project, dest)
    root = settings.root
    languages = {"c"} | {lang for e in settings.extensions for lang in e.languages()}
    cmake_languages = sorted({"c++": "CXX", "c": "C"}[lang] for lang in languages - {"cython"})
    package_root = projects.relative(settings.project.source_dir, root)
    lines = [
        "# Generated by benchmarks/peers.py: the zlig project's extensions for scikit-build-core.",
        "cmake_minimum_required(VERSION 3.20...3.31)",
        f"project({settings.project.module} LANGUAGES {' '.join(cmake_languages)})",
        "find_package(Python REQUIRED COMPONENTS Interpreter Development.Module)",
        "",
    ]
    lines += [_cmake_extension(e, root, package_root) for e in settings.extensions]
    (dest / "CMakeLists.txt").write_text("\n".join(lines), encoding="utf-8")
    package = (settings.project.source_dir / settings.project.module).relative_to(root)
    tool = (
        "\n[tool.scikit-build]\n"
        f'build-dir = "{SKBUILD_BUILD_DIR}"\n'
        'cmake.build-type = "Release"\n'
        f'wheel.packages = ["{package.as_posix()}"]\n'
        # Rebuild on import in an editable install (needs the build-dir above).
        "editable.rebuild = true\n"
    )
    head = projects.build_system(["scikit-build-core", "cmake", "ninja"], "scikit_build_core.build")
    _pyproject(zlig_project, dest, head, tool)
    # scikit-build-core's sdist leaves out what .gitignore lists (no git needed).
    (dest / ".gitignore").write_text("build/\ndist/\n", encoding="utf-8")
    return dest
