#!/usr/bin/env bash
# zlig's main job, from a fresh clone: build zlig's wheel, then build and
# install examples/demo with pip (build isolation, offline from a local
# wheelhouse so the index's old zlig 0.0.0 is never used) and call it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.cache/demo-venv
rm -rf "$venv"
"$python" -m venv "$venv"
wheelhouse=$("$venv/bin/python" scripts/wheelhouse.py)
PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheelhouse" "$venv/bin/python" -m pip install -q ./examples/demo
"$venv/bin/python" -c 'import demo; print("demo.add(2, 3) =", demo.add(2, 3))'
