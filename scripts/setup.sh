#!/usr/bin/env bash
# Installs the Debian packages Airlock builds and tests against, once.
# Idempotent: does nothing when they are already there.
set -euo pipefail
packages=(gcc libc6-dev libseccomp-dev libcap-dev libcap2-bin libsqlite3-dev sqlite3 bubblewrap python3 iproute2 util-linux strace procps)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
