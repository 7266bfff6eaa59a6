"""The workloads of benchmarks/runtime.py, run inside a venv holding one build.

    python -I runtime_workloads.py OUT.json mmh3 pyzstd [--repeat 5] [--scale 1]

Standard library only (it runs in venvs without zlig). For each project named:
first checks that its compiled modules, not a pure-Python fallback, are what
the code uses, and that they are files of this venv; then times each workload
with ``timeit`` (a fixed number of calls, ``--repeat`` times, the fastest
kept) and writes the seconds per call, a digest of each workload's result
(builds of the same sources must compute the same) and the modules' files.
``--scale`` shrinks the inputs and the numbers of calls (a quick check).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
import sysconfig
import timeit
from pathlib import Path
from typing import Any, Callable

#: name -> (the call, how many calls per timing)
Workloads = dict[str, tuple[Callable[[], Any], int]]

#: Modules that must be compiled extensions, per project.
COMPILED = {
    "mmh3": ["mmh3"],
    "markupsafe": ["markupsafe._speedups"],
    "simplejson": ["simplejson._speedups"],
    "pyzstd": ["pyzstd._c._zstd"],
}


def stdlib_text(size: int) -> bytes:
    """``size`` bytes of this Python's standard library sources, in path order
    (the same in every venv made from one interpreter)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    chunks, total = [], 0
    for path in sorted(root.rglob("*.py")):
        if {"site-packages", "test", "tests", "idlelib"} & set(path.relative_to(root).parts):
            continue
        chunks.append(path.read_bytes())
        total += len(chunks[-1])
        if total >= size:
            break
    data = b"".join(chunks)[:size]
    assert len(data) == size, f"the standard library holds only {len(data)} bytes of sources"
    return data


def document(records: int) -> dict[str, Any]:
    """A nested JSON document: users with addresses, tags, scores, unicode text."""
    users = [
        {
            "id": i,
            "name": f"user{i:05d}",
            "email": f"user{i}@example.org",
            "active": i % 3 != 0,
            "score": round(i * 1.37 % 100, 3),
            "tags": [f"tag{(i * 7 + k) % 50}" for k in range(i % 5)],
            "address": {"street": f"{i} Main St", "city": "Zürich", "zip": f"{8000 + i % 100}"},
            "bio": "Grüße — “quoted” text\nwith a newline\tand tab " * (1 + i % 3),
            "history": [{"t": 1700000000 + k * 3600, "v": k * 0.5} for k in range(i % 4)],
            "manager": None,
        }
        for i in range(records)
    ]
    return {"version": 3, "generated": "2025-01-01T00:00:00Z", "users": users}


def size(data: bytes | str) -> str:
    n = len(data)
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n // 1024} KiB" if n >= 1024 else f"{n} B"


def mmh3_workloads(scale: float) -> Workloads:
    import mmh3

    small, large = bytes(range(16)), stdlib_text(int(2**20 * scale))
    big = size(large)
    return {
        "hash, 16 B": (lambda: mmh3.hash(small), 500_000),
        "hash128, 16 B": (lambda: mmh3.hash128(small), 500_000),
        "hash_bytes, 16 B": (lambda: mmh3.hash_bytes(small), 500_000),
        f"hash, {big}": (lambda: mmh3.hash(large), 200),
        f"hash128, {big}": (lambda: mmh3.hash128(large), 200),
        f"hash_bytes, {big}": (lambda: mmh3.hash_bytes(large), 200),
    }


def markupsafe_workloads(scale: float) -> Workloads:
    import markupsafe

    assert markupsafe._escape_inner is markupsafe._speedups._escape_inner
    text = stdlib_text(int(2**20 * scale)).decode("ascii", "ignore")
    plain = text.translate(str.maketrans("<>&'\"", "     "))
    return {
        f"escape, {size(text)} with <>&'\"": (lambda: markupsafe.escape(text), 20),
        f"escape, {size(plain)} without": (lambda: markupsafe.escape(plain), 20),
    }


def simplejson_workloads(scale: float) -> Workloads:
    import simplejson
    import simplejson._speedups as speedups

    assert simplejson.encoder.c_make_encoder is speedups.make_encoder
    assert simplejson.scanner.c_make_scanner is speedups.make_scanner
    assert simplejson.decoder.scanstring is speedups.scanstring
    doc = document(max(1, int(2000 * scale)))
    text = simplejson.dumps(doc)
    assert simplejson.loads(text) == doc
    return {
        f"dumps, {size(text)} document": (lambda: simplejson.dumps(doc), 10),
        f"loads, {size(text)} document": (lambda: simplejson.loads(text), 10),
    }


def pyzstd_workloads(scale: float) -> Workloads:
    import pyzstd

    assert pyzstd.PYZSTD_CONFIG[1] == "c", pyzstd.PYZSTD_CONFIG
    data = stdlib_text(int(4 * 2**20 * scale))
    frame = pyzstd.compress(data, 3)
    assert pyzstd.decompress(frame) == data
    return {
        f"compress level 3, {size(data)}": (lambda: pyzstd.compress(data, 3), 3),
        f"compress level 9, {size(data)}": (lambda: pyzstd.compress(data, 9), 1),
        f"decompress, {size(data)}": (lambda: pyzstd.decompress(frame), 10),
    }


WORKLOADS: dict[str, Callable[[float], Workloads]] = {
    "mmh3": mmh3_workloads,
    "markupsafe": markupsafe_workloads,
    "simplejson": simplejson_workloads,
    "pyzstd": pyzstd_workloads,
}


def compiled_files(project: str) -> dict[str, str]:
    """Each compiled module's file, which must be a .so of this venv."""
    files = {}
    for name in COMPILED[project]:
        file = getattr(importlib.import_module(name), "__file__", None) or ""
        assert file.endswith(".so") and file.startswith(sys.prefix), (name, file, sys.prefix)
        files[name] = file
    return files


def digest(value: Any) -> str:
    data = value if isinstance(value, bytes) else repr(value).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def measure(project: str, repeat: int, scale: float) -> dict[str, Any]:
    files = compiled_files(project)
    times, digests = {}, {}
    for name, (call, number) in WORKLOADS[project](scale).items():
        digests[name] = digest(call())
        number = max(1, int(number * scale))
        best = min(timeit.repeat(call, number=number, repeat=repeat))
        times[name] = best / number
    return {"files": files, "times": times, "digests": digests}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("projects", nargs="+", choices=list(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    results = {p: measure(p, args.repeat, args.scale) for p in args.projects}
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
