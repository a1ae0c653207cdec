#!/usr/bin/env bash
# The whole test suite, as `make test` and .ci/run run it.
#
# The tests make their temporary folders (stores, keys, profiles, sockets)
# under one scratch folder of this run, removed when it ends, so repeated
# runs leave nothing behind in /tmp. Mode 1777 like /tmp itself: some tests
# act as another user (a stranger connecting to a socket, a sandbox's uid)
# and must reach what they were given.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"

"$SWIFT" build --build-tests || exit $?
# `airlock` is the C front end; the tests run it as users do.
./scripts/build-front.sh .build/debug || exit $?

scratch="$(mktemp -d /tmp/airlock-tests.XXXXXX)" || exit 1
chmod 1777 "$scratch"
trap 'rm -rf --one-file-system "$scratch"' EXIT
# A CI timeout's SIGTERM (or a Ctrl-C) ends the run through the EXIT trap too.
trap 'exit 143' TERM
trap 'exit 130' INT
# `airlock exec` saves launch images for the C front end: this run's go
# to its scratch folder, so no test starts from an image of an earlier run.
AIRLOCK_LAUNCH_CACHE="$scratch/launch-images" TMPDIR="$scratch" "$SWIFT" test --skip-build
