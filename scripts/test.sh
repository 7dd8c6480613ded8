#!/usr/bin/env bash
# The test suite: unit, integration and corpus tests, then the policy fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m mypy
python -m pytest -q -p no:cacheprovider "$@"
sovlint policy test policies/
