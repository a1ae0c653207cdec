#!/usr/bin/env bash
# The main job on embedded defaults: run commands confined by the shipped
# profiles and show what Airlock enforced and recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
airlock=.build/debug/airlock

echo "== airlock doctor"
"$airlock" doctor

echo
echo "== a confined shell (profile: shell)"
"$airlock" exec --profile shell -- sh -c 'id; hostname; ls /; echo "hello from the sandbox" > /workspace/note; cat /workspace/note'

echo
echo "== an escape attempt: write outside the workspace, read the host's secrets, reach the network"
"$airlock" exec --profile shell -- sh -c 'echo pwned > /usr/pwned; cat /etc/shadow; exec 3<>/dev/tcp/127.0.0.1/22' || echo "(exit $? — refused, as it should be)"

echo
echo "== the same run's report (--json): limits, denied syscalls, enforcement manifest"
"$airlock" exec --profile strict --json -- sh -c 'echo done' | python3 -c '
import json, sys
r = json.load(sys.stdin)
m = r["manifest"]
print("exit:", r["exitCode"], " wall:", round(r["wallSeconds"] * 1000, 1), "ms")
print("namespaces:", ", ".join(m["namespaces"]))
print("landlock ABI:", m["landlockABI"], " seccomp filter:", m["seccompFilterDigest"][:16], "(", m["seccompAllowedSyscalls"], "syscalls allowed )")
print("cgroup:", m["cgroupVersion"], m["cgroupControllers"], " limits:", m["limits"])
print("recorded:", [(s["name"], s.get("path")) for s in r["recordedSyscalls"]])
'
