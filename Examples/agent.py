#!/usr/bin/env python3
"""A minimal Airlock agent using only the Python standard library.

It speaks MCP (newline-delimited JSON-RPC 2.0) over airlockd's Unix socket:
lists the tools, calls two of them, and shows how to handle a refusal
(`isError: true` with the reason in the text and in structuredContent).

    AIRLOCK_SOCKET=/run/airlock/agent.sock python3 Examples/agent.py
"""
import json
import os
import socket
import sys


def default_socket():
    if os.environ.get("AIRLOCK_SOCKET"):
        return os.environ["AIRLOCK_SOCKET"]
    if os.getuid() == 0:
        return "/run/airlock/agent.sock"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return f"{runtime}/airlock/agent.sock" if runtime else f"/tmp/airlock-{os.getuid()}/agent.sock"


class Airlock:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self.next_id = 0

    def request(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            line = self.reader.readline()
            if not line:
                raise ConnectionError("airlockd closed the connection")
            reply = json.loads(line)
            if reply.get("id") != self.next_id:
                continue  # a notification (e.g. progress) or another reply
            if "error" in reply:
                raise RuntimeError(f"{reply['error']['message']} (JSON-RPC {reply['error']['code']})")
            return reply["result"]

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def call(self, tool, arguments, reason=None):
        params = {"name": tool, "arguments": arguments}
        if reason:
            params["_meta"] = {"reason": reason}
        return self.request("tools/call", params)


def show(title, result):
    text = "".join(part.get("text", "") for part in result.get("content", []))
    status = "REFUSED/FAILED" if result.get("isError") else "ok"
    print(f"--- {title}: {status}")
    print(text.rstrip())
    return result


def main():
    airlock = Airlock(default_socket())
    info = airlock.request("initialize", {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "airlock-example-agent", "version": "1.0"},
    })
    airlock.notify("notifications/initialized")
    print(f"connected to {info['serverInfo']['name']} (MCP {info['protocolVersion']})")

    tools = airlock.request("tools/list")["tools"]
    print("tools:", ", ".join(tool["name"] for tool in tools))

    show("run_shell", airlock.call("run_shell", {"command": "echo hello from $(uname -s); id -u"},
                                   reason="demonstrate a shell call"))
    show("sqlite_query", airlock.call("sqlite_query", {
        "query": "SELECT c.name, printf('%.2f', sum(o.amount_eur)) AS total FROM orders o "
                 "JOIN customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY sum(o.amount_eur) DESC LIMIT 3"}))

    # A refusal is a normal result with isError: the text says which rule or
    # which argument and why, so an agent changes its request instead of
    # retrying it unchanged.
    refused = show("read_file outside the workspace",
                   airlock.call("read_file", {"path": "../../etc/shadow"}))
    details = refused.get("structuredContent", {})
    if details.get("status") == "refused":
        print(f"agent: refused with code {details.get('code')!r}; asking for an allowed path instead")
        show("read_file inside the workspace", airlock.call("read_file", {"path": "notes.md"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
