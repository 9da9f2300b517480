#!/usr/bin/env bash
# Refresh src/careerblog/vendor/plotly-basic.min.js: the "basic" partial bundle of plotly.js (scatter, bar, pie)
# from npm, at the plotly.js version that the installed plotly Python package ships. Run after upgrading plotly;
# the build uses the partial bundle only while its version matches, and the full bundle otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c 'import careerblog.charts as c; print(c.bundle_version(c.PLOTLY_JS.read_bytes()))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-basic-dist-min@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work/package/plotly-basic.min.js" src/careerblog/vendor/plotly-basic.min.js
cp "$work/package/LICENSE" src/careerblog/vendor/plotly-basic.LICENSE
echo "vendored plotly.js basic bundle v$version"
