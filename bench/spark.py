#!/usr/bin/env python3
"""Documents/s of the three ways to run a corpus, on the same documents, side by side:
the CLI's corpus mode (`unspin analyze FILE --out`), the Python package's
`Analyzer.analyze_batch`, and Spark `local[N]` through `unspin.spark.analyze`.

Run with the virtual environment that has the package, pyspark, pandas and pyarrow:

    .venv/bin/python bench/spark.py --docs 20000 --rounds 3

The documents are the shipped sample article, repeated with a numbered id. Every run
analyses every document with the fast models and all analyses; each figure is the wall
time of that run alone (Spark: from the DataFrame to the last collected row count, the
session already started; the first, warming pass is not timed).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=3, help="each path once per round, in turn")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    import unspin

    text = open(os.path.join(ROOT, "samples/harbor-bridge.txt"), encoding="utf-8").read()
    docs = [(f"doc{i}", text) for i in range(args.docs)]
    texts = [t for _, t in docs]
    ids = [i for i, _ in docs]
    analyzer = unspin.Analyzer(jobs=args.cores)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import unspin.spark

    spark = (
        SparkSession.builder.master(f"local[{args.cores}]")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.createDataFrame(docs, "id string, text string").repartition(args.cores * 4).cache()
    df.count()
    unspin.spark.analyze(df.limit(args.cores * 50)).count()  # warm the Python workers

    names = [
        "CLI corpus mode (`analyze --out`)",
        "`Analyzer.analyze_batch` (dicts)",
        f"Spark `local[{args.cores}]` (`unspin.spark.analyze`)",
    ]
    rates = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "corpus.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for i, t in docs:
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        for _ in range(args.rounds):
            out = os.path.join(tmp, "results.jsonl")
            if os.path.exists(out):
                os.remove(out)
            start = time.perf_counter()
            cmd = [args.binary, "analyze", inp, "--out", out, "--quiet", "--jobs", str(args.cores)]
            subprocess.run(cmd, check=True)
            rates[names[0]].append(args.docs / (time.perf_counter() - start))

            start = time.perf_counter()
            reports = analyzer.analyze_batch(texts, ids)
            rates[names[1]].append(args.docs / (time.perf_counter() - start))
            assert len(reports) == args.docs
            del reports  # freed after the clock stopped

            start = time.perf_counter()
            n = unspin.spark.analyze(df).where("error is null").count()
            rates[names[2]].append(args.docs / (time.perf_counter() - start))
            assert n == args.docs, n
    spark.stop()

    median = {name: statistics.median(r) for name, r in rates.items()}
    cli = median[names[0]]
    print(
        f"{args.docs} documents (the sample, {len(text):,} characters each), {args.cores} cores, "
        f"median of {args.rounds} rounds (each path once per round, in turn)\n"
    )
    print("| run | documents/s | share of the CLI | every round |")
    print("| --- | --- | --- | --- |")
    for name in names:
        each = ", ".join(f"{r:,.0f}" for r in rates[name])
        print(f"| {name} | {median[name]:,.0f} | {median[name] / cli:.0%} | {each} |")


if __name__ == "__main__":
    main()
