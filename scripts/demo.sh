#!/usr/bin/env bash
# Airlock's main job on its embedded defaults: airlockd serves the example
# tool catalog (Examples/airlock.yaml) under the default policy
# (Examples/policy.yaml) and the shipped profiles; an agent lists the tools,
# calls them and gets a refusal it can act on; then the audit trail is
# shown and verified. Nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
state=$(mktemp -d /tmp/airlock-demo.XXXXXX)
socket="$state/agent.sock"
config="$state/airlock.yaml"

# The example config, with its state (audit trail, keys) kept in a scratch
# folder so the demo leaves the host as it found it.
sed -e "s|^profiles_dir: .*|profiles_dir: $PWD/Profiles|" \
    -e "s|^policy: .*|policy: $PWD/Examples/policy.yaml|" \
    Examples/airlock.yaml > "$config"
cat >> "$config" <<YAML
audit:
  database: $state/audit.sqlite
keys_dir: $state/keys
YAML
sed -i -e "s|\.\./Examples/|$PWD/Examples/|g" -e "s|: sample/|: $PWD/Examples/sample/|g" -e "s|: workspace|: $PWD/Examples/workspace|g" "$config"

"$bin/airlockd" --config "$config" --socket "$socket" > "$state/airlockd.log" 2>&1 &
daemon=$!
cleanup() {
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    rm -rf "$state"
}
trap cleanup EXIT
for _ in $(seq 1 100); do [[ -S "$socket" ]] && break; sleep 0.1; done
[[ -S "$socket" ]] || { cat "$state/airlockd.log"; echo "airlockd did not start" >&2; exit 1; }
export AIRLOCK_SOCKET="$socket"

echo "== airlockd is serving $(grep -c '^  - name:' Examples/airlock.yaml) tools on $socket"
"$bin/airlock" tools

echo
echo "== an agent (Examples/agent.py, standard-library Python) calls tools"
python3 Examples/agent.py

echo
echo "== a call the policy forbids: the agent gets the rule and the reason"
"$bin/airlock" call run_shell --arg command='rm -rf /' || echo "(exit $?: refused, nothing ran)"

echo
echo "== the audit trail: one masked, hash-chained record per step"
"$bin/airlock" audit list --db "$state/audit.sqlite" | tail -n 12
"$bin/airlock" audit verify --db "$state/audit.sqlite"
