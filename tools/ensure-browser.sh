#!/usr/bin/env bash
# Idempotently install the browser/Java/npm tooling used by careerblog's tests:
#   - Debian's Chromium (/usr/bin/chromium) + a basic font for text rendering
#   - a headless JRE (for vnu.jar, the Nu HTML checker)
#   - tools/node_modules from tools/package-lock.json (lighthouse, axe-core,
#     vnu-jar, @jsonresume/schema) via `npm ci`
# Safe to run from any cwd, any number of times; does nothing when all is present.
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'ensure-browser: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        log "not root and no sudo: cannot apt-get install"; fi
fi

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        $SUDO apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    $SUDO env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# (a) Chromium (plus a font so text renders in screenshots/PDFs)
pkgs=()
if [ ! -x /usr/bin/chromium ]; then
    pkgs+=(chromium)
fi
if ! dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q 'install ok installed'; then
    pkgs+=(fonts-dejavu-core)
fi
# (b) Java for vnu.jar
if ! command -v java >/dev/null 2>&1; then
    pkgs+=(default-jre-headless)
fi
if [ "${#pkgs[@]}" -gt 0 ]; then
    apt_install "${pkgs[@]}"
fi

# (c) npm tooling, reinstalled when node_modules is missing or older than the lock.
# --ignore-scripts: the only install script in the tree is vnu-jar's postinstall,
# which would download a Temurin JRE from GitHub (unreachable here); we use the
# system java instead.
marker="$TOOLS_DIR/node_modules/.package-lock.json"
if [ ! -f "$marker" ] || [ "$TOOLS_DIR/package-lock.json" -nt "$marker" ]; then
    log "npm ci in $TOOLS_DIR"
    (cd "$TOOLS_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
    touch "$marker"
fi

log "ok: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium ?'); java $(java -version 2>&1 | head -1 | sed 's/.*version //')"
