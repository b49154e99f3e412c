#!/usr/bin/env python3
"""Documents/s of the three ways to run a corpus, on the same documents, side by side:
the CLI's corpus mode (`unspin analyze FILE --out`), the Python package's
`Analyzer.analyze_batch`, and Spark `local[N]` through `unspin.spark.analyze`.

Run with the virtual environment that has the package, pyspark, pandas and pyarrow:

    .venv/bin/python bench/spark.py --docs 20000

The documents are the shipped sample article, repeated with a numbered id. Every run
analyses every document with the fast models and all analyses; each figure is the wall
time of that run alone (Spark: from the DataFrame to the last collected row count, the
session already started; the first, warming pass is not timed).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/unspin"))
    args = ap.parse_args()
    import unspin

    text = open(os.path.join(ROOT, "samples/harbor-bridge.txt"), encoding="utf-8").read()
    docs = [(f"doc{i}", text) for i in range(args.docs)]
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "corpus.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for i, t in docs:
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        out = os.path.join(tmp, "results.jsonl")
        start = time.perf_counter()
        subprocess.run([args.binary, "analyze", inp, "--out", out, "--quiet", "--jobs", str(args.cores)], check=True)
        rates["CLI corpus mode (`analyze --out`)"] = args.docs / (time.perf_counter() - start)

    analyzer = unspin.Analyzer(jobs=args.cores)
    texts = [t for _, t in docs]
    ids = [i for i, _ in docs]
    start = time.perf_counter()
    reports = analyzer.analyze_batch(texts, ids)
    rates["`Analyzer.analyze_batch` (dicts)"] = args.docs / (time.perf_counter() - start)
    assert len(reports) == args.docs

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
    start = time.perf_counter()
    n = unspin.spark.analyze(df).where("error is null").count()
    rates[f"Spark `local[{args.cores}]` (`unspin.spark.analyze`)"] = args.docs / (time.perf_counter() - start)
    assert n == args.docs, n
    spark.stop()

    cli = rates["CLI corpus mode (`analyze --out`)"]
    print(f"{args.docs} documents (the sample, {len(text):,} characters each), {args.cores} cores\n")
    print("| run | documents/s | share of the CLI |")
    print("| --- | --- | --- |")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} | {rate / cli:.0%} |")


if __name__ == "__main__":
    main()
