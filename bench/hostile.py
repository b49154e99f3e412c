#!/usr/bin/env python3
"""Hostile-input checks of `unspin` (issue 21), bounded and on loopback only (stdlib).

Starts `unspin serve` on 127.0.0.1 with short limits, runs each attack or careless use
once, and prints one line per case: what was sent, what came back, how long it took, and
whether that is the expected outcome. Also runs the CLI cases (corpus mode, model
files, links, flags) in a temporary directory. Every loop is bounded; nothing but
127.0.0.1 is contacted; the script stops by itself.

    cargo build --release && python3 bench/hostile.py
"""
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = []


def report(case, outcome, seconds, ok):
    RESULTS.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {case:<58} {outcome:<34} {seconds:7.2f} s", flush=True)


def start_server(binary, *flags):
    cmd = [binary, "serve", "--addr", "127.0.0.1:0", *flags]
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    line = server.stderr.readline().decode()
    host, port = line.strip().rsplit("//", 1)[1].split(":")
    return server, host, int(port)


def request(host, port, method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    t = time.perf_counter()
    conn.request(method, path, body, headers or {})
    r = conn.getresponse()
    data = r.read()
    dt = time.perf_counter() - t
    conn.close()
    return r.status, data, dt, r


def until_closed(sock, limit):
    """Seconds until the server closes `sock`, or None past `limit`."""
    t = time.perf_counter()
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
        return time.perf_counter() - t
    except (socket.timeout, TimeoutError):
        return None
    except OSError:
        return time.perf_counter() - t


def server_cases(binary):
    server, host, port = start_server(
        binary, "--timeout", "5", "--header-timeout", "2", "--body-timeout", "2",
        "--shutdown-timeout", "3", "--cors", "https://newsroom.example")
    try:
        deep = ("<html><body>" + "<div>" * 10_000 + "x y z." + "</div>" * 10_000
                + "</body></html>").encode()
        # Two deep pages at once, while /healthz is polled.
        results, health = [], []

        def post_deep():
            results.append(request(host, port, "POST", "/api/v1/analyze", deep,
                                   {"Content-Type": "text/html"}))

        threads = [threading.Thread(target=post_deep) for _ in range(2)]
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads) and len(health) < 200:
            health.append(request(host, port, "GET", "/healthz")[2])
        for th in threads:
            th.join()
        worst = max(r[2] for r in results)
        report("10k-deep <div> page (1.1 MB) x2, text/html, --timeout 5",
               f"{sorted(r[0] for r in results)}", worst,
               all(r[0] == 200 for r in results) and worst < 5)
        report("  /healthz meanwhile (slowest of %d)" % len(health), "200",
               max(health or [0]), max(health or [0]) < 0.1)

        for name, payload in [("nothing", b""), ("half the headers",
                              b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-A: "),
                              ("half a body", b"POST /api/v1/analyze HTTP/1.1\r\nHost: "
                               b"localhost\r\nContent-Type: text/plain\r\nContent-Length: "
                               b"100\r\n\r\nhalf")]:
            s = socket.create_connection((host, port))
            s.sendall(payload)
            t = until_closed(s, 20)
            report(f"connection that sends {name} (--header/--body-timeout 2)",
                   "closed" if t is not None else "still open after 20 s", t or 20,
                   t is not None and t < 5)
            s.close()
        s = socket.create_connection((host, port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        s.recv(4096)
        t = until_closed(s, 20)
        report("idle keep-alive connection after one request", "closed" if t else "open",
               t or 20, t is not None and t < 5)

        st, body, dt, _ = request(host, port, "GET", "/api/v1/analyze")
        report("GET on a POST endpoint", f"{st} {body[:40]!r}", dt,
               st == 405 and json.loads(body)["type"] == "method_not_allowed")
        st, _, dt, r = request(host, port, "OPTIONS", "/api/v1/analyze", None, {
            "Origin": "https://newsroom.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        allow = r.getheader("Access-Control-Allow-Origin")
        report("CORS preflight with --cors", f"{st} allow-origin={allow}", dt,
               st == 200 and allow == "https://newsroom.example")
        st, body, dt, _ = request(host, port, "POST", "/api/v1/analyze", b"a\xffb",
                                  {"Content-Type": "text/plain"})
        report("invalid UTF-8 body", f"{st} mentions --lossy: {b'--lossy' in body}", dt,
               st == 422 and b"--lossy" not in body)
        st, body, dt, _ = request(host, port, "GET", "/healthz", None,
                                  {"Host": "attacker.example:8080"})
        report("Host: attacker.example (DNS rebinding)", f"{st}", dt, st == 421)
        word = bytes(97 + (i * 7919 + i // 26) % 26 for i in range(2_000_000))
        st, body, dt, _ = request(host, port, "POST", "/api/v1/analyze", word[:2_000_000 - 16],
                                  {"Content-Type": "text/plain"})
        spans = len(json.loads(body)["techniques"]) if st == 200 else None
        report("a 2 MB 'word'", f"{st} spans={spans}", dt, st == 200 and spans == 0)

        # SIGTERM with idle and half-sent connections open.
        open_socks = [socket.create_connection((host, port)) for _ in range(3)]
        open_socks[0].sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: localhost\r\n")
        t = time.perf_counter()
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        dt = time.perf_counter() - t
        report("SIGTERM with 3 connections open (--shutdown-timeout 3)", f"exit {code}", dt,
               code == 0 and dt < 5)
        for s in open_socks:
            s.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def run(binary, cwd, *args, timeout=60):
    t = time.perf_counter()
    try:
        p = subprocess.run([binary, *args], cwd=cwd, capture_output=True, timeout=timeout)
        return p.returncode, p.stderr.decode(errors="replace"), time.perf_counter() - t
    except subprocess.TimeoutExpired:
        return None, "timed out", time.perf_counter() - t


def lines(path):
    with open(path) as f:
        return [json.loads(x)["id"] for x in f]


def cli_cases(binary):
    sample = open(os.path.join(ROOT, "samples/harbor-bridge.txt")).read()
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "c"))
        with open(os.path.join(d, "c/in.jsonl"), "w") as f:
            for i in range(3000):
                f.write(json.dumps({"id": i, "text": sample}) + "\n")
        deep = "<html><body>" + "<div>" * 100_000 + "x y z." + "</div>" * 100_000 + "</body></html>"
        open(os.path.join(d, "deep.html"), "w").write(deep)
        code, _, dt = run(binary, d, "analyze", "deep.html", "--format", "jsonl")
        report("analyze a 100k-deep page", f"exit {code}", dt, code == 0 and dt < 10)

        for _ in range(2):
            code, err, dt = run(binary, d, "analyze", "c/*.jsonl", "--out", "c/results.jsonl", "-q")
        n = len(lines(os.path.join(d, "c/results.jsonl")))
        report("analyze c/*.jsonl --out c/results.jsonl, twice", f"exit {code}, {n} lines", dt,
               code == 0 and n == 3000)
        before = os.path.getsize(os.path.join(d, "c/in.jsonl"))
        code, err, dt = run(binary, d, "analyze", "c/in.jsonl", "--out", "c/in.jsonl", "-q")
        size = os.path.getsize(os.path.join(d, "c/in.jsonl"))
        report("analyze x.jsonl --out x.jsonl", f"exit {code}, file unchanged: {size == before}",
               dt, code == 2 and size == before)
        code, err, dt = run(binary, d, "analyze", "deep.html", "--out", "c/in.jsonl", "-q")
        size = os.path.getsize(os.path.join(d, "c/in.jsonl"))
        report("an input JSONL given as --out", f"exit {code}, file unchanged: {size == before}",
               dt, code == 2 and size == before)

        out = os.path.join(d, "r.jsonl")
        first = subprocess.Popen([binary, "analyze", "c/in.jsonl", "--out", out, "-q", "--jobs", "1"],
                                 cwd=d, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline and (not os.path.exists(out) or os.path.getsize(out) == 0):
            time.sleep(0.01)
        code, err, dt = run(binary, d, "analyze", "c/in.jsonl", "--out", out, "-q")
        report("second run on an --out in use", f"exit {code}", dt,
               code == 2 and "another unspin run" in err)
        first.send_signal(signal.SIGTERM)
        first_err = first.stderr.read().decode()
        first.wait()
        report("SIGTERM to a corpus run", f"exit {first.returncode}", 0,
               first.returncode == 2 and "interrupted" in first_err)
        code, _, dt = run(binary, d, "analyze", "c/in.jsonl", "--out", out, "-q")
        ids = lines(out)
        report("  resumed", f"{len(ids)} lines, {len(set(ids))} ids", dt,
               len(ids) == len(set(ids)) == 3000)

        for unit in ['"w" ', "1 2 ", "twice as 5 ", "\u201ca\u201d said X, ", "In 2019 5 ", "w "]:
            with open(os.path.join(d, "one.txt"), "w") as f:
                f.write(unit * (800_000 // len(unit)))
            code, _, dt = run(binary, d, "analyze", "one.txt", "--format", "jsonl", timeout=120)
            report(f"one 800 KB sentence of {unit.strip()!r}", f"exit {code}", dt,
                   code == 0 and dt < 10)
        code, err, dt = run(binary, d, "analyze", "--model", "/dev/zero", "deep.html")
        report("--model /dev/zero", f"exit {code}", dt, code == 2 and "regular file" in err)
        os.mkdir(os.path.join(d, "links"))
        open(os.path.join(d, "links/a.txt"), "w").write(sample)
        os.symlink(os.path.join(d, "links/gone.txt"), os.path.join(d, "links/b.txt"))
        os.symlink(os.path.join(d, "links/c.txt"), os.path.join(d, "links/c.txt"))
        code, err, dt = run(binary, d, "analyze", "links", "--format", "jsonl")
        report("directory with a dangling link and a loop", f"exit {code}", dt,
               code == 2 and "b.txt" in err and "c.txt" in err)
        with open(os.path.join(d, "bom.jsonl"), "w", encoding="utf-8-sig") as f:
            f.write(json.dumps({"id": "a", "text": sample}) + "\n")
        code, err, dt = run(binary, d, "analyze", "bom.jsonl", "--format", "jsonl")
        report("JSONL starting with a BOM", f"exit {code}", dt, code == 0)
        for flags in (["analyze", "--min-confidence", "NaN", "bom.jsonl"],
                      ["analyze", "--min-confidence", "2", "bom.jsonl"],
                      ["analyze", "--jobs", "0", "bom.jsonl"],
                      ["serve", "--queue", "0"], ["serve", "--timeout", "0"]):
            code, err, dt = run(binary, d, *flags)
            report(" ".join(flags[:3]), f"exit {code}", dt, code == 2 and "invalid value" in err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    server_cases(args.binary)
    cli_cases(args.binary)
    print(f"{sum(RESULTS)} passed, {len(RESULTS) - sum(RESULTS)} failed")
    sys.exit(0 if all(RESULTS) else 1)


if __name__ == "__main__":
    main()
