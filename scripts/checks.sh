#!/bin/sh
# The house's own checks (docs/architecture.md, "Checks"), each failing the run: lint, format, types, import contracts.
# Run from the repository root after the test install (`.venv/bin/pip install -e '.[test]'`).
set -e
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
