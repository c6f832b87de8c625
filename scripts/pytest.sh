#!/usr/bin/env bash
# Runs the test suite; pytest's exit code 5 (no test collected) is a failure here too,
# because a suite that selects nothing proves nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -q "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
