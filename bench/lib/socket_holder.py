#!/usr/bin/env python3
"""
Holds N established TCP connections on loopback (both ends in this process, as a proxy holds
its client and upstream sockets), plus a few listeners and bound UDP sockets, until stdin closes
or --max-seconds pass. Python's plain sockets cost ~100 bytes each, so 100k+ sockets stay cheap
for the machine under test; a Node holder would add hundreds of MB of its own.

Prints one JSON line when ready: {"pid", "connections", "sockets", "listenerPorts"}.
Only 127.0.0.1 and ::1 are used.
"""
import argparse, json, os, resource, select, socket, sys, time


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return soft
    target = need
    if hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))  # root may raise the hard limit
            return need
        except (ValueError, OSError):
            target = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard if hard >= target else target))
    return target


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--listeners", type=int, default=8)
    ap.add_argument("--udp", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=1800)
    args = ap.parse_args()

    limit = raise_nofile(args.connections * 2 + args.listeners + args.udp + 64)
    budget = max(0, (limit - args.listeners - args.udp - 64) // 2)
    connections = min(args.connections, budget)

    held = []
    listeners = []
    hosts = [("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)]
    for i in range(args.listeners):
        host, family = hosts[i % 2]
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        s.listen(4096)
        listeners.append((s, host, family))
    for i in range(args.udp):
        host, family = hosts[i % 2]
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.bind((host, 0))
        held.append(u)

    # Connect in batches no larger than the accept backlog: the kernel completes each handshake
    # on its own, then we accept the batch. Each (host, listener port) pair has its own
    # ephemeral port space (~28k), so connections spread over all listeners.
    made = 0
    deadline = time.monotonic() + args.max_seconds
    li = 0
    while made < connections and time.monotonic() < deadline:
        server, host, family = listeners[li % len(listeners)]
        li += 1
        port = server.getsockname()[1]
        batch = min(1000, connections - made)
        clients = []
        for _ in range(batch):
            c = socket.socket(family, socket.SOCK_STREAM)
            try:
                c.connect((host, port))
            except OSError:
                c.close()
                break
            clients.append(c)
        for _ in clients:
            conn, _addr = server.accept()
            held.append(conn)
        held.extend(clients)
        made += len(clients)
        if not clients:
            break

    sockets = len(held) + len(listeners)
    print(json.dumps({"pid": os.getpid(), "connections": made, "sockets": sockets, "nofile": limit,
                      "listenerPorts": [s.getsockname()[1] for s, _h, _f in listeners]}), flush=True)
    # Wait for stdin to close (the benchmark ended or died) or the time bound.
    while time.monotonic() < deadline:
        r, _w, _x = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.buffer.read1(4096):
            break


if __name__ == "__main__":
    main()
