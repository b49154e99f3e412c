"""Spark local[2]: typed reports, equal to the CLI's, and bad rows as row errors."""
import os
import sys

import pytest

from conftest import cli_reports, generated, need

try:
    import pyspark  # noqa: F401

    HAVE_SPARK = True
except ImportError:
    HAVE_SPARK = False


@pytest.fixture(scope="module")
def spark():
    need(HAVE_SPARK, "pyspark is not installed (pip install pyspark)")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_reports_are_typed_and_equal_the_cli(spark, cli, tmp_path):
    from pyspark.sql import types as T

    import unspin.spark

    docs = generated(1000, seed=11)
    df = spark.createDataFrame([(d["id"], d["text"]) for d in docs], "id string, text string")
    out = unspin.spark.analyze(df.repartition(4))
    report = out.schema["report"].dataType
    assert isinstance(report, T.StructType)
    techniques = report["techniques"].dataType
    assert isinstance(techniques, T.ArrayType) and isinstance(techniques.elementType, T.StructType)
    assert isinstance(techniques.elementType["confidence"].dataType, T.FloatType)
    rows = out.select("id", "report.techniques", "error").collect()
    assert len(rows) == 1000 and all(r.error is None for r in rows)
    by_cli = cli_reports(cli, docs, tmp_path)
    total = 0
    for r in rows:
        got = [(t.start, t.end, t.technique, t.text) for t in r.techniques]
        want = [(t["start"], t["end"], t["technique"], t["text"]) for t in by_cli[r.id]["techniques"]]
        assert got == want, r.id
        total += len(got)
    assert total > 1000


def test_bad_rows_are_row_errors_not_a_failed_job(spark):
    import unspin.spark

    rows = [("ok", "A shameful, disgraceful betrayal!"), ("empty", ""), ("binary", "a\x00b"), ("none", None)]
    df = spark.createDataFrame(rows, "id string, text string")
    out = {r.id: r for r in unspin.spark.analyze(df).collect()}
    assert out["ok"].error is None and out["ok"].report.techniques
    assert out["empty"].report is None and "empty" in out["empty"].error
    assert "binary" in out["binary"].error
    assert out["none"].report is None and out["none"].error == "text is null"
    raw = spark.createDataFrame([("bytes", bytearray(b"\xff\xfe bad")), ("good", bytearray("Disgraceful!".encode()))], "id string, text binary")
    got = {r.id: r for r in unspin.spark.analyze(raw).collect()}
    assert got["bytes"].error == "text is not UTF-8" and got["good"].error is None
