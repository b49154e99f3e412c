#!/usr/bin/env python3
"""Worst-case HTML extraction time on random tag soups (bounded; stdlib only).

Each trial repeats a random pattern of 1-5 start tags, end tags and words to 1 MB, wraps
it in <html><body>, and times `unspin analyze PAGE --format jsonl` (extraction and the
whole analysis). Prints the slowest patterns. Fixed seed, a time limit per trial.

    cargo build --release && python3 bench/html_soup.py --trials 120 --seed 9
"""
import argparse
import os
import random
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAGS = ["div", "span", "a href=1", "p", "b", "i", "li", "ul", "ol", "table", "tr", "td",
        "dl", "dt", "font", "em", "section", "select", "option", "h1", "button", "form",
        "nobr", "svg", "math", "template", "object", "frame", "pre", "blockquote", "strong",
        "code", "label", "tbody", "caption"]


def pattern(rng):
    unit = ""
    for _ in range(rng.randint(1, 5)):
        tag, r = rng.choice(TAGS), rng.random()
        if r < 0.6:
            unit += f"<{tag}>"
        elif r < 0.85:
            unit += f"</{tag.split()[0]}>"
        else:
            unit += "w "
    return unit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=120)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--limit", type=float, default=30.0, help="seconds per trial")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    times = []
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "soup.html")
        for _ in range(args.trials):
            unit = pattern(rng)
            with open(page, "w") as f:
                f.write("<html><body>" + unit * (args.size // len(unit)) + "x y z.</body></html>")
            t = time.perf_counter()
            try:
                subprocess.run([args.binary, "analyze", page, "--format", "jsonl"],
                               capture_output=True, timeout=args.limit)
                dt = time.perf_counter() - t
            except subprocess.TimeoutExpired:
                dt = float("inf")
            times.append((dt, unit))
    times.sort(reverse=True)
    print(f"{args.trials} patterns of {args.size} bytes, seed {args.seed}; slowest:")
    for dt, unit in times[:5]:
        print(f"  {dt:6.2f} s  {unit}")


if __name__ == "__main__":
    main()
