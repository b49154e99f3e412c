#!/usr/bin/env python3
"""Bounded load test of `unspin serve` on loopback (stdlib only).

Starts the server, sends a fixed number of POST /api/v1/analyze requests from a fixed
number of client threads, stops by itself, and prints throughput, p50/p99 latency, the
status codes seen, and the server's peak memory (VmHWM). Only 127.0.0.1 is contacted.

    python3 bench/load.py --requests 2000 --concurrency 8
    python3 bench/load.py --requests 2000 --concurrency 32 --queue 2   # overload: 503s
"""
import argparse
import http.client
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--queue", type=int, default=None, help="server --queue")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    body = open(os.path.join(ROOT, "samples/harbor-bridge.txt"), "rb").read()
    cmd = [args.binary, "serve", "--addr", "127.0.0.1:0"]
    if args.queue:
        cmd += ["--queue", str(args.queue)]
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        line = server.stderr.readline().decode()
        host, port = line.strip().rsplit("//", 1)[1].split(":")
        latencies, statuses, lock = [], {}, threading.Lock()
        remaining = [args.requests]

        def worker():
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                t = time.perf_counter()
                conn.request("POST", "/api/v1/analyze", body, {"Content-Type": "text/plain"})
                r = conn.getresponse()
                r.read()
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    statuses[r.status] = statuses.get(r.status, 0) + 1

        start = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        latencies.sort()
        pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
        hwm = "?"
        with open(f"/proc/{server.pid}/status") as f:
            for l in f:
                if l.startswith("VmHWM:"):
                    hwm = l.split(":")[1].strip()
        ok = statuses.get(200, 0)
        print(f"requests {args.requests}, concurrency {args.concurrency}, server queue {args.queue or 'default'}")
        print(f"throughput {args.requests / wall:.0f} req/s ({ok / wall:.0f} answered 200/s), wall {wall:.2f} s")
        print(f"latency p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms")
        print(f"statuses {dict(sorted(statuses.items()))}")
        print(f"server peak memory (VmHWM) {hwm}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
