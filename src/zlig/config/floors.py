"""The glibc floors the ``manylinux`` option may name, and where their policies are.

The floors are the policies of ``manylinux-policy.json`` (auditwheel's data,
see scripts/update_policy.py), by name (``2_17``, ``manylinux_2_17``) or
alias (``manylinux2014``). Only their names are used here; what a policy
allows (libraries, symbol versions) is the platform audit's
(platforms/manylinux.py), from the same data.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ..runtime.errors import ConfigError

POLICY_FILE = Path(__file__).with_name("manylinux-policy.json")


@functools.cache
def policy_data() -> list[dict[str, Any]]:
    """The policies as the file has them, read once per process (the floor's
    check here and the platform audit both need them)."""
    policies: list[dict[str, Any]] = json.loads(POLICY_FILE.read_text("utf-8"))["policies"]
    return policies


@functools.cache
def _floors() -> tuple[tuple[str, ...], ...]:
    """Each floor's names, ``("2_17", "manylinux_2_17", "manylinux2014")``, oldest first."""
    names = [
        (p["name"].removeprefix("manylinux_"), p["name"], *p["aliases"]) for p in policy_data()
    ]
    return tuple(sorted(names, key=lambda n: tuple(int(part) for part in n[0].split("_"))))


def floor(value: str, key: str) -> str:
    """The floor ``value`` names, as ``2_17``; ConfigError naming ``key`` if none."""
    for names in _floors():
        if value in names:
            return names[0]
    known = ", ".join(names[0] for names in _floors())
    raise ConfigError(f"{key}: {value!r} is not a manylinux floor zlig knows ({known}, or 'off')")
