#!/usr/bin/env bash
# Airlock's main job on its embedded defaults: airlockd serves the example
# tool catalog (Examples/airlock.yaml) under the default policy
# (Examples/policy.yaml) and the shipped profiles; an agent lists the tools,
# calls them and gets a refusal it can act on; then the audit trail is
# shown and verified. The daemon is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
log=$(mktemp /tmp/airlockd-demo.XXXXXX.log)

"$bin/airlockd" > "$log" 2>&1 &
daemon=$!
cleanup() {
    kill -TERM "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
}
trap cleanup EXIT
socket=""
for _ in $(seq 1 150); do
    socket=$(sed -n 's/^airlockd: serving .* on //p' "$log")
    [[ -n "$socket" && -S "$socket" ]] && break
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$socket" || ! -S "$socket" ]]; then
    cat "$log" >&2
    echo "demo: airlockd did not start (log above)" >&2
    exit 1
fi
export AIRLOCK_SOCKET="$socket"
audit_db=$(sed -n 's/^airlockd: audit trail //p' "$log")

echo "== airlockd serves these tools on $socket"
"$bin/airlock" tools

echo
echo "== an agent (Examples/agent.py, standard-library Python) calls tools"
python3 Examples/agent.py

echo
echo "== a call the policy forbids: the agent gets the rule and the reason"
"$bin/airlock" call run_shell --arg command='rm -rf /' || echo "(exit $?: refused, nothing ran)"

echo
echo "== the audit trail: one masked, hash-chained record per step"
"$bin/airlock" audit list ${audit_db:+--db "$audit_db"} | tail -n 12
key=${audit_db:+$(dirname "$audit_db")/audit-checkpoint.pub.pem}
anchors=${audit_db:+$(dirname "$audit_db")/audit-anchors.jsonl}
"$bin/airlock" audit verify ${audit_db:+--db "$audit_db"} ${key:+--public-key "$key"} ${anchors:+--anchor "$anchors"}
