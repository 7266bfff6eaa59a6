"""Running Cython for a build and for an editable install's rebuild on import.

Standard library only: an editable wheel carries a copy of this module beside
its loader (editable_loader.py), which must work where zlig is not installed,
and never imports Cython itself. Each translation is a "job": the ``.pyx``,
the generated file and Cython's arguments (zlig/cython.py makes them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


class Read(NamedTuple):
    """What a translation was about to read, taken before it ran (read_before)."""

    #: Digests of its .pyx and of what the last translation's depfile named.
    digests: dict[str, str]
    #: When it was taken (time.time_ns()).
    taken: int


#: Files get their modification time from a coarser clock than time.time_ns():
#: one modified just after a Read was taken may carry an earlier time.
_CLOCK_SLACK_NS = 100_000_000


def stamp(job: Mapping[str, Any], version: str, root: str, read: Read | None = None) -> str | None:
    """What a translation's stamp says when its generated file is up to date
    (zlig/cython.py): Cython's version, its arguments and a digest of each
    project file its depfile names. None when there is nothing to compare (never
    translated, or an input is gone).

    ``read``, taken before the translation ran: its digests are used rather
    than the files as they are now, as a .pyx saved while Cython ran must not
    look translated. An input it lacks (a new cimport) is digested now if it
    was last modified before the read; if not, the stamp is None and the next
    build translates again."""
    import json

    output = job["output"]
    try:
        digests = {}
        for path in inputs(job, root):
            if read is not None and path in read.digests:
                digests[path] = read.digests[path]
            elif read is None or os.stat(path).st_mtime_ns < read.taken - _CLOCK_SLACK_NS:
                digests[path] = _digest(path)
            else:
                return None
        if not os.path.isfile(output):
            return None
    except OSError:
        return None
    stamp = {"cython": version, "args": list(job["args"]), "inputs": digests}
    return json.dumps(stamp, indent=1, sort_keys=True) + "\n"


def read_before(job: Mapping[str, Any], root: str) -> Read:
    """What a translation is about to read, as far as is known before it
    runs: its .pyx and what the last translation's depfile names."""
    import time

    taken = time.time_ns()
    try:
        paths = inputs(job, root)
    except OSError:  # never translated
        paths = [os.path.realpath(job["pyx"])]
    found = {}
    for path in paths:
        try:
            found[path] = _digest(path)
        except OSError:
            pass  # gone: the stamp will lack it
    return Read(found, taken)


def _digest(path: str) -> str:
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def inputs(job: Mapping[str, Any], root: str) -> list[str]:
    """The project's files a translation read: the .pyx and what its depfile
    names inside the project (Cython's own .pxd files are left out: its
    version stands for them). OSError when the depfile cannot be read."""
    with open(job["output"] + ".dep", encoding="utf-8") as f:
        words = f.read().replace("\\\n", " ").split(":", 1)[-1].split()
    inside = os.path.join(os.path.realpath(root), "")
    paths = (os.path.realpath(n) for n in {job["pyx"], *(os.path.join(root, w) for w in words)})
    return sorted(p for p in paths if p.startswith(inside))


def pending(jobs: Sequence[Mapping[str, Any]], version: str, root: str) -> list[Any]:
    """The translations whose stamp does not match their inputs."""
    due = []
    for job in jobs:
        current = stamp(job, version, root)
        try:
            with open(job["output"] + ".stamp", encoding="utf-8") as f:
                recorded: str | None = f.read()
        except OSError:
            recorded = None
        if current is None or current != recorded:
            due.append(job)
    return due


#: Translates the jobs (Cython's arguments, a JSON list on stdin) one after the
#: other in this process; prints each one's exit status and output, as JSON.
_BATCH = """
import contextlib, io, json, sys, traceback
from Cython.Compiler.Main import main
results, real_stdout = [], sys.stdout
for args in json.load(sys.stdin):
    sys.argv = ["cython", *args]
    out, err, status = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(command_line=1)
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else int(e.code is not None)
        except Exception:
            traceback.print_exc()
            status = 1
    results.append([status, out.getvalue(), err.getvalue()])
real_stdout.write(json.dumps(results))
"""


class Result:
    """One translation's outcome, shaped like subprocess.CompletedProcess;
    ``read``: what it was about to read, for its stamp."""

    read: Read | None = None

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(jobs: Sequence[Mapping[str, Any]], root: str, verbose: bool, out: Any) -> list[Result]:
    """Translate in parallel, one Cython process per CPU, each taking its
    share of the jobs in turn; the results in the jobs' order.

    Cython's start-up (its imports, its lexicon, its scope of builtins) costs
    ~1 s a process, more than translating a typical module does: a process
    per module spent most of a clean build's Cython time starting up.

    Each result's ``read`` is taken before Cython starts (see stamp).
    """
    import json
    import shlex
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    for job in jobs:
        try:
            os.unlink(job["output"] + ".stamp")
        except OSError:
            pass
        os.makedirs(os.path.dirname(job["output"]), exist_ok=True)

    def batch(share: Sequence[Mapping[str, Any]]) -> list[Result]:
        arguments = json.dumps([list(job["args"]) for job in share])
        command = [sys.executable, "-c", _BATCH]
        done = subprocess.run(command, cwd=root, input=arguments, capture_output=True, text=True)
        try:
            return [Result(*r) for r in json.loads(done.stdout)]
        except ValueError:  # the process itself failed (Cython missing, a crash)
            status = done.returncode or 1
            return [Result(status, done.stdout, done.stderr) for _ in share]

    if verbose:  # here, not in the threads, whose lines would mix
        for job in jobs:
            print("+ " + shlex.join([sys.executable, "-m", "cython", *job["args"]]), file=out)
        out.flush()
    reads = [read_before(job, root) for job in jobs]
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    shares = [list(jobs[i::workers]) for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(batch, shares))
    # Job k is the (k // workers)-th of share k % workers.
    results = [outcomes[k % workers][k // workers] for k in range(len(jobs))]
    for result, read in zip(results, reads):
        result.read = read
    return results


def error_line(output: str) -> str | None:
    """Cython's first error line, ``src/pkg/_core.pyx:12:4: message``."""
    import re

    pattern = re.compile(r"^(?!warning: )\S[^:]*\.(?:pyx|pxd|pxi):\d+:\d+: .+$")
    return next((line.strip() for line in output.splitlines() if pattern.match(line)), None)
