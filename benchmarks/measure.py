"""One timed command: its wall time, exit status, peak memory and CPU time."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Measured:
    seconds: float
    returncode: int
    #: The largest resident set of any one process of the command's tree, in
    #: KiB (Linux's ru_maxrss): the build's peak memory, not the tree's sum.
    peak_rss_kib: int
    #: User and system CPU seconds of the whole tree: with ``seconds``, how
    #: busy the build kept the machine, and what it would cost on one core.
    cpu_seconds: float


def run(args: list[str], cwd: Path, env: dict[str, str], log: IO[str]) -> Measured:
    """Run ``args``, its output to ``log``; wait with wait4(), whose resource
    usage is this child's and its waited-for descendants' alone (RUSAGE_CHILDREN
    would hold the largest of every build so far)."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    # Popen did not reap the child itself: tell it, so that it never waits again.
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, process.returncode, usage.ru_maxrss, cpu)
