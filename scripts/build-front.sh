#!/usr/bin/env bash
# Builds `airlock`, the C front end (Sources/airlock), with cc into the
# folder of the Swift binaries it hands over to: `.build/debug` by default,
# or the folder given (`.build/release` for the benchmarks).
#
# cc, not SwiftPM: SwiftPM links even a C executable with the Swift runtime,
# whose loading is the start-up cost the front end exists to avoid.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/debug}"
CC="${CC:-cc}"
mkdir -p "$out"
objects="$(mktemp -d)"
trap 'rm -rf "$objects"' EXIT
includes=(-ISources/CJail/include -ISources/CSupervisor/include -ISources/CLaunchImage/include)
common=(-std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -fPIE "${includes[@]}")
# CJail's child runs between clone and execve on memory it shares with
# the parent: the same flags as its SwiftPM target (no stack protector,
# no calls the compiler invents).
for file in Sources/CJail/*.c; do
    "$CC" "${common[@]}" -fno-stack-protector -fno-builtin -c "$file" -o "$objects/cjail_$(basename "$file" .c).o"
done
for file in Sources/CSupervisor/*.c Sources/CLaunchImage/*.c Sources/airlock/*.c; do
    name="$(basename "$(dirname "$file")")_$(basename "$file" .c)"
    "$CC" "${common[@]}" -c "$file" -o "$objects/$name.o"
done
"$CC" -pie -o "$out/airlock.tmp" "$objects"/*.o
mv -f "$out/airlock.tmp" "$out/airlock"
