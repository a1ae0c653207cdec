#!/usr/bin/env bash
# Runs every benchmark on the release build. Extra arguments go to each.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=.build/release/airlock-bench
for suite in $("$bench" --help | awk '/^SUBCOMMANDS:/{on=1;next} on && NF {print $1}' | grep -v '^help$'); do
    echo "=== airlock-bench $suite"
    "$bench" "$suite" "$@"
    echo
done
