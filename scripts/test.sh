#!/usr/bin/env bash
# The whole test suite: the command in the README, and what .ci/run calls.
# Sets up .venv (zlig editable, test tools, ziglang) on first use, then runs
# ruff, mypy, lint-imports (zlig's floors: pyproject.toml [tool.importlinter]),
# then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q -r tests/requirements.txt -e .
.venv/bin/ruff check src tests scripts benchmarks
.venv/bin/ruff format --check src tests scripts benchmarks
.venv/bin/mypy
.venv/bin/lint-imports --no-logo
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "scripts/test.sh: pytest collected no tests; that is a failure" >&2
    exit 1
fi
exit "$status"
