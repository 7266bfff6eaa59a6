"""Regenerate src/zlig/config/manylinux-policy.json from auditwheel's policy file.

zlig audits what it built against the same manylinux policies auditwheel
uses; it carries the data rather than depending on auditwheel, which is a
repair tool with its own dependencies and no stable library API.

    python scripts/update_policy.py path/to/auditwheel/policy/manylinux-policy.json VERSION
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEYS = ("name", "aliases", "priority", "lib_whitelist", "symbol_versions", "blacklist")
DEST = Path(__file__).resolve().parent.parent / "src" / "zlig" / "config" / "manylinux-policy.json"


def main(source: str, version: str) -> None:
    policies = json.loads(Path(source).read_text())
    data = {
        "source": f"auditwheel {version}, src/auditwheel/policy/manylinux-policy.json "
        "(MIT licence); regenerate with scripts/update_policy.py",
        "policies": [{k: p[k] for k in KEYS} for p in policies if p["name"] != "linux"],
    }
    DEST.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
