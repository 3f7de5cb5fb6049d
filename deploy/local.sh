#!/usr/bin/env bash
# Run Aduan or its tests on this machine, installing into .venv on first use.
#
#   bash deploy/local.sh up --demo   # broker, database, four services, then the demo
#   bash deploy/local.sh test        # ruff-free test run: unit, integration, end to end
#   bash deploy/local.sh setup       # only install
#   bash deploy/local.sh <any aduan command>
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV=.venv
STAMP=$VENV/.installed

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    # Reinstall only when the dependencies changed since the last install.
    if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
        "$VENV/bin/pip" install -q --upgrade pip
        # torch first and pinned: it takes the CPU build from local disk; left to the resolver,
        # sentence-transformers would pull a multi-GB CUDA build.
        "$VENV/bin/pip" install -q "torch==2.13.0"
        "$VENV/bin/pip" install -q -e ".[dev]"
        touch "$STAMP"
    fi
    # axe-core for the browser tests' accessibility checks, from the lock file.
    if command -v npm >/dev/null && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
        npm ci --prefix tests/browser --silent --no-audit --no-fund
    fi
}

case "${1:-}" in
    setup)
        setup ;;
    test)
        setup
        shift
        exec "$VENV/bin/pytest" -q "$@" ;;
    *)
        setup
        exec "$VENV/bin/aduan" "$@" ;;
esac
