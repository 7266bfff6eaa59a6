"""What a build may reuse from earlier ones (zlig/builder/uptodate.py, zlig/builder/warmup.py,
zlig/runtime/cache.py) and the scan of #include lines the stamps rest on. The build record itself is
tested end to end in test_incremental.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from zlig.builder import uptodate
from zlig.runtime import cache
from zlig.runtime.errors import BuildError


def test_file_info_is_remembered_by_content(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ZLIG_CACHE_DIR", str(tmp_path / "cache"))
    reads: list[bytes] = []

    def read(path: Path) -> tuple[str, ...]:
        reads.append(path.read_bytes())
        return tuple(path.read_text().split())

    first, copy = tmp_path / "a.so", tmp_path / "elsewhere.so"
    first.write_text("one two")
    copy.write_text("one two")
    assert cache.by_content(first, read) == ("one", "two")
    # The same bytes, in the same file or another: not read again.
    assert cache.by_content(first, read) == ("one", "two")
    assert cache.by_content(copy, read) == ("one", "two")
    assert reads == [b"one two"]
    first.write_text("three")
    assert cache.by_content(first, read) == ("three",)
    assert reads == [b"one two", b"three"]
    assert len(list((tmp_path / "cache" / "file-info").rglob("*.pickle"))) == 2


def test_failures_are_not_remembered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ZLIG_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def read(path: Path) -> None:
        calls.append(path)
        raise BuildError(f"cannot read the built file {path}")

    built = tmp_path / "x.so"
    built.write_bytes(b"\x7fELF")
    for _ in range(2):
        with pytest.raises(BuildError, match="cannot read the built file"):
            cache.by_content(built, read)
    missing = tmp_path / "missing.so"
    with pytest.raises(BuildError, match="missing.so"):
        cache.by_content(missing, read)
    assert calls == [built, built, missing]


def test_checks_are_remembered_for_the_same_inputs_and_files(tmp_path: Path) -> None:
    built = tmp_path / "x.so"
    built.write_bytes(b"first")
    record = tmp_path / "checked.json"
    results = iter(["tag1", "tag2", "tag3"])
    assert uptodate.checked(record, ("target", 1), [built], lambda: next(results)) == "tag1"
    assert uptodate.checked(record, ("target", 1), [built], lambda: next(results)) == "tag1"
    # Other inputs, or a file written again: checked again.
    assert uptodate.checked(record, ("target", 2), [built], lambda: next(results)) == "tag2"
    built.unlink()
    built.write_bytes(b"first")
    assert uptodate.checked(record, ("target", 2), [built], lambda: next(results)) == "tag3"


def test_runtime_libraries_are_warmed_up_once(tmp_path: Path, monkeypatch) -> None:
    """The first build links a one-line library beside ``zig build`` (for
    compiler-rt and the libc stubs, zlig/builder/warmup.py); later builds do not; a
    build that fails stops it, and it is tried again next time."""
    from zlig.builder import warmup, zig

    exe = zig.find_zig()  # zlig's kept Zig, before its cache folder moves
    monkeypatch.setenv("ZLIG_CACHE_DIR", str(tmp_path / "cache"))
    ext = {"optimize": "ReleaseFast", "strip": True, "link_libcpp": False}
    plan = {"target": "x86_64-linux-gnu.2.17", "cpu": "baseline", "extensions": [ext, ext]}
    folder = tmp_path / "build"
    folder.mkdir()
    with warmup.warming(exe, plan, folder):
        pass
    built = folder / "warm" / "warm-ReleaseFast-strip.so"
    assert built.read_bytes()[:4] == b"\x7fELF"
    assert len(list((tmp_path / "cache" / "warmed").iterdir())) == 1

    built.unlink()
    with warmup.warming(exe, plan, folder):
        pass
    assert not built.exists()

    plan["extensions"] = [{**ext, "strip": False}]
    with pytest.raises(RuntimeError), warmup.warming(exe, plan, folder):
        raise RuntimeError("the build failed")
    assert len(list((tmp_path / "cache" / "warmed").iterdir())) == 1
    with warmup.warming(exe, plan, folder):
        pass
    assert (folder / "warm" / "warm-ReleaseFast.so").is_file()
    assert len(list((tmp_path / "cache" / "warmed").iterdir())) == 2


def test_include_lines_are_found_where_they_start_a_line(tmp_path: Path) -> None:
    """The scan behind stamps and sdists: #include lines (also indented or
    with space after the #), not the text of a comment or a string; Zig's
    @import and @cInclude only in .zig files."""
    from zlig.builder.inputs import _include_names

    source = tmp_path / "x.c"
    source.write_text(
        '#include "a.h"\n  #  include <b.h>\n/* see #include "c.h" */\n'
        'const char *s = "#include <d.h>";\n#include"e.h"\n@cImport("f.h")\n'
    )
    assert _include_names(source) == ("a.h", "b.h", "e.h")
    root = tmp_path / "root.zig"
    root.write_text('const c = @cImport({ @cInclude("g.h"); });\nconst m = @import("m.zig");\n')
    assert _include_names(root) == ("g.h", "m.zig")
