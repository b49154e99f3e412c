"""unspin on Spark: a DataFrame of texts in, a DataFrame of typed reports out.

    from unspin.spark import analyze
    reports = analyze(df, text_col="text", id_col="id", model="fast")
    reports.select("id", "report.techniques", "error").show()

Each executor's Python worker loads the models once and analyses whole Arrow batches
(``mapInArrow``) on all its cores. The ``report`` column is a struct whose schema is
derived from the report types' OpenAPI description (:func:`report_type`), the same the
HTTP API publishes; a row whose text cannot be analysed (empty, binary, not UTF-8, or a
model failure) has a null ``report`` and its reason in ``error``, and the job goes on.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, Optional

from . import Analyzer, report_schema

__all__ = ["analyze", "report_type", "output_schema"]

_analyzers: Dict[tuple, Analyzer] = {}


def _worker_analyzer(model: str, claims_model: str, quotes_model: str) -> Analyzer:
    """One analyzer per worker process and choice of models (Spark reuses Python workers)."""
    key = (model, claims_model, quotes_model)
    if key not in _analyzers:
        _analyzers[key] = Analyzer(model, claims_model, quotes_model=quotes_model)
    return _analyzers[key]


def _spark_type(node: Dict[str, Any], components: Dict[str, Any]):
    from pyspark.sql import types as T

    ref = node.get("$ref")
    if ref:
        return _spark_type(components[ref.rsplit("/", 1)[1]], components)
    choices = node.get("oneOf") or node.get("anyOf")
    if choices:
        # An optional field (`{"type": "null"}` or one type): the one type, nullable.
        kinds = [c for c in choices if c.get("type") != "null"]
        if len(kinds) != 1:
            raise ValueError(f"report schema: no Spark type for {node}")
        return _spark_type(kinds[0], components)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        props = node.get("properties")
        if not props:
            return T.StringType()  # free-form JSON (the input's `meta`) as JSON text
        return T.StructType(
            [T.StructField(name, _spark_type(p, components), True) for name, p in props.items()]
        )
    if kind == "array":
        return T.ArrayType(_spark_type(node["items"], components), True)
    if kind == "integer":
        return T.LongType()
    if kind == "number":
        return T.FloatType() if node.get("format") == "float" else T.DoubleType()
    if kind == "boolean":
        return T.BooleanType()
    if kind == "string":
        return T.StringType()
    raise ValueError(f"report schema: no Spark type for {node}")


def report_type():
    """The Spark struct type of a report, derived from the report's OpenAPI schema."""
    doc = report_schema()["components"]["schemas"]
    return _spark_type(doc["Report"], doc)


def output_schema():
    """``id`` (string), ``report`` (:func:`report_type`, null on error), ``error``."""
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField("id", T.StringType(), True),
            T.StructField("report", report_type(), True),
            T.StructField("error", T.StringType(), True),
        ]
    )


def _text(value: Any) -> Optional[str]:
    """A cell as text: str as it is, bytes when they are UTF-8, else None."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value


def _reports(analyzer: Analyzer, ids: list, texts: list, why: list, report_arrow):
    """The `report` and `error` columns of one batch (`why`: the error of a row whose
    text is None). The reports' JSON is parsed into
    Arrow by pyarrow's JSON reader against the report type, never through Python dicts."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pa_json

    if not texts:
        return pa.array([], report_arrow), pa.array([], pa.string())
    ok = [i for i, t in enumerate(texts) if isinstance(t, str)]
    errors: list = list(why)
    for i in ok:
        errors[i] = None
    lines, failed = analyzer._inner.analyze_batch_jsonl(
        [texts[i] for i in ok], [ids[i] if ids[i] is not None else str(i) for i in ok]
    )
    for position, _code, message in failed:
        errors[ok[position]] = message
    if len(ok) < len(texts):
        # Rows with no text get an empty line each, in their place.
        done = lines.split(b"\n")
        rows = [b"{}"] * len(texts)
        for position, i in enumerate(ok):
            rows[i] = done[position]
        lines = b"\n".join(rows) + b"\n"
    options = pa_json.ParseOptions(
        explicit_schema=pa.schema(list(report_arrow)), unexpected_field_behavior="ignore"
    )
    table = pa_json.read_json(io.BytesIO(lines), parse_options=options)
    columns = [table.column(f.name).combine_chunks() for f in report_arrow]
    reports = pa.StructArray.from_arrays(columns, fields=list(report_arrow))
    analysed = pa.array([e is None for e in errors])
    reports = pc.if_else(analysed, reports, pa.scalar(None, report_arrow))
    return reports, pa.array(errors, pa.string())


def analyze(
    df,
    text_col: str = "text",
    id_col: str = "id",
    model: str = "fast",
    claims_model: str = "fast",
    quotes_model: str = "fast",
):
    """Analyses the ``text_col`` of every row of ``df``; a DataFrame of ``id``,
    ``report`` and ``error`` (see :func:`output_schema`), one row per input row. The
    models are named as in :class:`unspin.Analyzer`."""
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = output_schema()
    arrow_schema = to_arrow_schema(schema)
    report_arrow = arrow_schema.field("report").type

    def run(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        analyzer = _worker_analyzer(model, claims_model, quotes_model)
        for batch in batches:
            ids = batch.column("id").to_pylist()
            raw = batch.column("text").to_pylist()
            texts = [_text(v) for v in raw]
            why = ["text is null" if v is None else "text is not UTF-8" for v in raw]
            yield pa.RecordBatch.from_arrays(
                [pa.array(ids, pa.string()), *_reports(analyzer, ids, texts, why, report_arrow)],
                schema=arrow_schema,
            )

    inputs = df.select(
        F.col(id_col).cast("string").alias("id"), F.col(text_col).alias("text")
    )
    return inputs.mapInArrow(run, schema)
