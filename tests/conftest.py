"""Shared fixtures: test projects copied to a temporary folder, an offline
wheelhouse with zlig's own wheel, fresh virtual environments, hook runs."""

from __future__ import annotations

import ast
import email
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

#: The test packages are projects, not tests: their own test files (a suite
#: that a package ships in its sdist) are never collected here.
collect_ignore_glob = ["packages/*"]

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = Path(__file__).resolve().parent / "packages"
sys.path.insert(0, str(ROOT / "scripts"))

import wheelhouse as _wheelhouse  # noqa: E402

# Fuzzing (tests/test_fuzz.py): a moderate number of examples by default, so
# the whole file runs in well under a minute; HYPOTHESIS_PROFILE=zlig-long for
# a longer hunt. No deadline: examples touch the file system and run Zig.
settings.register_profile(
    "zlig", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("zlig-long", settings.get_profile("zlig"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "zlig"))


def pyenv_python(version: str) -> Path:
    """An installed CPython ``major.minor`` from pyenv; skip the test if absent."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    if not found:
        pytest.fail(f"Python {version} is not installed under {pyenv_root}")
    return found[-1]


@pytest.fixture(scope="session", autouse=True)
def zlig_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zlig's cache (its kept copy of Zig) for this test session, not the user's."""
    folder = tmp_path_factory.mktemp("zlig-cache")
    os.environ["ZLIG_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zlig's wheel from this checkout plus its build requirements, offline."""
    cached = _wheelhouse.DEFAULT
    folder = tmp_path_factory.mktemp("wheelhouse")
    _wheelhouse.fill(cached)
    for wheel in cached.glob("*.whl"):
        shutil.copy(wheel, folder)
    return folder


@pytest.fixture(scope="session")
def wheelhouse_without_zig(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, minus ziglang: a build that needs Zig cannot get it."""
    folder = tmp_path_factory.mktemp("wheelhouse-no-zig")
    for wheel in wheelhouse.glob("*.whl"):
        if not wheel.name.startswith("ziglang-"):
            shutil.copy(wheel, folder)
    return folder


@pytest.fixture(scope="session")
def sysroot() -> Path:
    """Debian's arm64 Python 3.11 in a folder, and qemu-user (scripts/arm64-sysroot.sh)."""
    result = check(["bash", ROOT / "scripts" / "arm64-sysroot.sh"])
    return Path(result.stdout.splitlines()[-1])


def run_on_arm64(sysroot: Path, wheel: Path, code: str, tmp_path: Path) -> str:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = dict(os.environ, PYTHONHOME=str(sysroot / "usr"), PYTHONPATH=str(site))
    python = sysroot / "usr" / "bin" / "python3.11"
    return check(["qemu-aarch64", "-L", sysroot, python, "-c", code], env=env, cwd="/").stdout


@pytest.fixture(scope="session")
def windows_python() -> Path:
    """wine and the embeddable CPython 3.9 and 3.13 for Windows (scripts/windows-python.sh)."""
    result = check(["bash", ROOT / "scripts" / "windows-python.sh"])
    return Path(result.stdout.splitlines()[-1])


def run_on_windows(root: Path, version: str, wheel: Path, code: str, tmp_path: Path) -> str:
    """Run ``code`` with the wheel's files importable, by CPython ``version``
    ("313") for Windows under wine; its output, with Unix line ends."""
    site = tmp_path / f"site{version}"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = dict(os.environ, WINEPREFIX=str(root / "wineprefix"), WINEDEBUG="-all")
    # The embeddable CPython ignores PYTHONPATH; wine shows / as Z:.
    code = f"import sys; sys.path.insert(0, 'Z:' + {str(site)!r}); {code}"
    wine = (root / "wine").read_text().strip()
    python = root / f"python{version}" / "python.exe"
    result = check([wine, python, "-c", code], env=env, stdin=subprocess.DEVNULL)
    return result.stdout.replace("\r\n", "\n")


@pytest.fixture(scope="session")
def musl_python() -> Path:
    """The build folder of a CPython 3.13 linked against musl, built once
    (scripts/musl-python.sh); it runs from there."""
    result = check(["bash", ROOT / "scripts" / "musl-python.sh"])
    return Path(result.stdout.splitlines()[-1])


def musl_include_dir(build: Path) -> str:
    """target-include-dir of that Python: the source's Include/, then pyconfig.h's folder."""
    source = Path((build / ".zlig-musl-python").read_text().strip())
    return os.pathsep.join([str(source / "Include"), str(build)])


def run_on_musl(build: Path, wheel: Path, code: str, tmp_path: Path) -> str:
    site = tmp_path / "site-musl"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = dict(os.environ, PYTHONPATH=str(site))
    return check([build / "python", "-c", code], env=env, cwd="/").stdout


def offline_env(wheelhouse: Path) -> dict[str, str]:
    """pip settings that install only from the wheelhouse, never the index."""
    env = dict(os.environ)
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PIP_EXTRA_INDEX_URL", None)
    return env


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy ``tests/packages/<name>`` (or ``examples/<name>``) to a temporary folder."""

    def copy(name: str) -> Path:
        source = PACKAGES / name
        if not source.is_dir():
            source = ROOT / "examples" / name
        dest = tmp_path / name
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns("build", "dist", "*.so"))
        return dest

    return copy


def prefix_maps() -> list[str]:
    """The flags that keep the project's and Zig's folders out of the binaries
    (innermost folder last: clang applies the last map that matches). The
    plan names the project from its build folder, build/zlig/<tag>."""
    from zlig.builder import zig

    zig_dir = zig.find_zig().parent.resolve()  # the copy zlig keeps
    maps = sorted([("../../..", "."), (str(zig_dir), "ziglang")], key=lambda m: len(m[0]))
    flags = [f"-ffile-prefix-map={old}={new}" for old, new in maps]
    return [*flags, "-fdebug-compilation-dir=.", "-fsanitize-undefined-strip-path-components=-1"]


def run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; never raises on failure."""
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(a) for a in args], capture_output=True, text=True, **kwargs
    )


def check(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = run(args, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def run_hook(
    project_dir: Path,
    call: str,
    python: str | Path = sys.executable,
    env: dict[str, str] | None = None,
):
    """Call a hook of zlig in a subprocess, as a frontend would, in the project folder."""
    code = f"import zlig, sys; print(repr(zlig.{call}))"
    return run([python, "-c", code], cwd=project_dir, env=env)


def hook_value(result: subprocess.CompletedProcess[str]) -> object:
    """What a hook run by ``run_hook`` returned (its last line of output)."""
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.splitlines()[-1])


@pytest.fixture
def make_venv(tmp_path: Path) -> Callable[..., Path]:
    """Create a fresh virtual environment and return its python."""
    count = 0

    def create(python: Path | str | None = None) -> Path:
        nonlocal count
        count += 1
        path = tmp_path / f"venv{count}"
        if python is None:
            venv.create(path, with_pip=True)
        else:
            check([python, "-m", "venv", path])
        return path / "bin" / "python"

    return create


def wheel_members(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


#: What ``twine check --strict`` says of a project without a readme: true, but
#: about the project's metadata, not about what zlig built; most test projects
#: have no readme, to keep their sdists small.
NO_DESCRIPTION = [
    "WARNING `long_description_content_type` missing. defaulting to `text/x-rst`.",
    "WARNING `long_description` missing.",
]


def check_wheel(wheel: Path) -> None:
    """What the packaging tools say of a wheel: check-wheel-contents (every
    check), ``twine check --strict``, and an install with installer, which
    validates every RECORD entry (hash and size) against the files."""
    with tempfile.TemporaryDirectory() as prefix:
        runs = [
            [Path(sys.executable).with_name("check-wheel-contents"), "--no-config", wheel],
            [sys.executable, "-m", "installer", "--validate-record", "all", "-d", prefix, wheel],
        ]
        # All three at once: each spends most of its time starting up.
        procs = [
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for args in runs
        ]
        check_distribution(wheel)
        for args, proc in zip(runs, procs):
            output = proc.communicate()[0]
            assert proc.returncode == 0, f"{args} failed:\n{output}"


def check_distribution(path: Path) -> None:
    """``twine check --strict`` of a wheel or an sdist (a missing readme aside)."""
    result = run([Path(sys.executable).with_name("twine"), "--no-color", "check", "--strict", path])
    if result.returncode != 0:
        warnings = [" ".join(line.split()) for line in result.stdout.splitlines() if "WARN" in line]
        assert warnings == NO_DESCRIPTION and "ERROR" not in result.stdout, result.stdout
        metadata = email.message_from_string(_metadata(path))
        assert not metadata.get_payload() and "Description" not in metadata, result.stdout


def _metadata(path: Path) -> str:
    """The METADATA (wheel) or PKG-INFO (sdist) text."""
    if path.suffix == ".whl":
        return read_member(path, ".dist-info/METADATA")
    with tarfile.open(path) as tf:
        (name,) = [n for n in tf.getnames() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
        member = tf.extractfile(name)
        assert member is not None
        return member.read().decode()


def read_member(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        # "demo.pth" is that file, not "_zlig_editable_demo.pth"; ".dist-info/X" a suffix.
        (name,) = [
            n
            for n in zf.namelist()
            if ("/" + n).endswith("/" + suffix) or (suffix[0] == "." and n.endswith(suffix))
        ]
        return zf.read(name).decode()
