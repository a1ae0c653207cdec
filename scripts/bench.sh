#!/usr/bin/env bash
# Runs every benchmark on the release build. Extra arguments go to each.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=.build/release/airlock-bench
# Subcommand names: the lines of the SUBCOMMANDS block indented by exactly
# two spaces (wrapped abstracts are indented further; a blank line ends it).
for suite in $("$bench" --help | awk '/^SUBCOMMANDS:/{on=1;next} on && !NF {exit} on && /^  [^ ]/ {print $1}' | grep -v '^help$'); do
    echo "=== airlock-bench $suite"
    "$bench" "$suite" "$@"
    echo
done
