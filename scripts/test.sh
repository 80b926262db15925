#!/usr/bin/env bash
# Install dealloop with its test extras (in .venv) and Debian's Chromium for the browser tests,
# then run ruff (style, complexity C901, unused arguments), import-linter (the layer order in
# pyproject.toml, ARCHITECTURE.md), mypy, the documentation build (mkdocs --strict: broken links,
# stale API names and cookbook commands that no longer run fail it) and the whole test suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,docs]'
bash scripts/install_browser.sh
.venv/bin/python -m ruff check src tests benchmarks docs/hooks
.venv/bin/lint-imports --no-cache
.venv/bin/python -m mypy --no-error-summary  # every module of src, no exceptions
SITE=$(mktemp -d)
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$SITE"
rm -rf "$SITE"
exec .venv/bin/python -m pytest -n 2 "$@"
