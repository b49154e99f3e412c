#!/usr/bin/env python3
"""Corpus-mode throughput and peak memory (stdlib only).

Builds its input, a JSON Lines file of N documents (the shipped sample article with a
numbered id and an `outlet` field, so `report --group-by` has groups), in a temporary
directory; then runs `unspin analyze FILE --out results.jsonl` once per `--jobs` value
and `unspin report` on the results, timing each and reading its peak resident memory
from the kernel (wait4's ru_maxrss). Prints a Markdown table, and the CPU it ran on.

    python3 bench/corpus.py                      # 20,000 documents, --jobs 1 and 2
    python3 bench/corpus.py --docs 5000 --jobs 1 2 4 --model neural
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def timed(cmd):
    """Runs `cmd`; (wall seconds, peak RSS in MB). Fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} exited {code}:\n{err}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--model", default="fast")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    text = open(os.path.join(ROOT, "samples/harbor-bridge.txt"), encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "corpus.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for i in range(args.docs):
                row = {"id": f"doc{i}", "text": text, "outlet": f"outlet{i % 7}"}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        size = os.path.getsize(inp) / 1e6
        print(f"input: {args.docs} documents, {size:.1f} MB; CPU: {cpu_model()}, "
              f"{os.cpu_count()} logical CPUs; model {args.model}\n")
        print("| run | wall | documents/s | peak memory |")
        print("| --- | --- | --- | --- |")
        first = None
        for jobs in args.jobs:
            out = os.path.join(tmp, f"results-{jobs}.jsonl")
            cmd = [args.binary, "analyze", inp, "--out", out, "--quiet",
                   "--jobs", str(jobs), "--model", args.model]
            wall, rss = timed(cmd)
            lines = sum(1 for _ in open(out, encoding="utf-8"))
            if lines != args.docs:
                sys.exit(f"--jobs {jobs}: {lines} reports for {args.docs} documents")
            rate = args.docs / wall
            first = first or rate
            speedup = f" ({rate / first:.2f}× the first run)" if rate != first else ""
            print(f"| `--jobs {jobs}` | {wall:.2f} s | {rate:,.0f}{speedup} | {rss:.0f} MB |")
        report = os.path.join(tmp, "report.html")
        wall, rss = timed([args.binary, "report", out, "--group-by", "outlet", "--out", report])
        print(f"| `unspin report --group-by outlet` on the results | {wall:.2f} s | | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
