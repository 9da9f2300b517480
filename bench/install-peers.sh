#!/usr/bin/env bash
# Installs the peers `make bench` compares against, where this machine allows: Hugo from Debian's apt,
# Pelican (with its Markdown reader) into bench/.venv-peers, apart from careerblog's own environment.
set -u
cd "$(dirname "$0")"
if ! command -v hugo >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    # A fresh machine may have no package lists yet: read them once when the first try fails.
    { apt-get install -y -qq hugo >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hugo >/dev/null 2>&1; }; } \
      || echo "bench: could not install hugo; it will be skipped" >&2
  else
    echo "bench: hugo not installed (apt-get install hugo); it will be skipped" >&2
  fi
fi
if [ ! -x .venv-peers/bin/pelican ] || ! .venv-peers/bin/python -c "import markdown" 2>/dev/null; then
  python3 -m venv .venv-peers && .venv-peers/bin/python -m pip install --quiet "pelican[markdown]" \
    || echo "bench: could not install pelican; it will be skipped" >&2
fi
