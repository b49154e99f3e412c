"""The Python package: offsets, equality with the CLI, errors, pandas."""
import os

import pytest

import unspin
from conftest import SAMPLE, canonical, cli_reports, generated, need

AWKWARD = {
    "bom": "\ufeffA shameful, disgraceful betrayal! Shameful! The mayor said 40% of 2,460 homes flooded.",
    "crlf": "This evil, corrupt regime must be stopped!\r\nStop it now!\r\n\r\nUnemployment rose to 7.5 percent in 2019.",
    "emoji": "😡 A disgraceful betrayal 😡! \"They lied,\" said Ana Ruiz. Costs doubled from $2 million to $4 million.",
    "mixed": "Правительство лжёт! 政府は嘘をつく。 This corrupt, shameful regime lies — over 300 people, nearly half of them children.",
    "sample": SAMPLE,
}


def spans(report):
    for section in unspin.SECTIONS:
        for span in report[section]:
            yield section, span


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_every_span_slices_the_python_string(name):
    text = AWKWARD[name]
    report = unspin.analyze(text, id=name)
    assert report["text"] == text
    assert report["id"] == name
    found = list(spans(report))
    assert found, f"{name}: no spans at all"
    for section, s in found:
        assert text[s["start"]:s["end"]] == s["text"], (section, s)


def test_the_sample_has_techniques_claims_quotes_and_numbers():
    r = unspin.analyze(SAMPLE, id="harbor-bridge")
    assert len(r["techniques"]) >= 3
    assert r["claims"] and r["numbers"] and r["quotes"]
    assert any(q.get("speaker") == "Elena Park" for q in r["quotes"])
    assert r["models"] == {"techniques": "fast", "claims": "fast"}


def test_batch_reports_equal_the_cli_jsonl_output(cli, tmp_path):
    docs = generated(60) + [{"id": k, "text": v} for k, v in AWKWARD.items()]
    by_cli = cli_reports(cli, docs, tmp_path)
    ours = unspin.Analyzer(jobs=2).analyze_batch([d["text"] for d in docs], [d["id"] for d in docs])
    assert len(ours) == len(docs) == len(by_cli)
    for r in ours:
        assert canonical(r) == canonical(by_cli[r["id"]]), r["id"]


def test_bad_input_raises_value_error_with_the_cli_message():
    with pytest.raises(ValueError, match="input is empty"):
        unspin.analyze("")
    with pytest.raises(ValueError, match="binary"):
        unspin.analyze("a\x00b")
    with pytest.raises(TypeError):
        unspin.analyze(b"bytes")
    with pytest.raises(ValueError, match="too large|over"):
        unspin.analyze("a" * 10_000_001)


def test_batch_errors_are_rows_when_asked_and_raise_otherwise():
    a = unspin.Analyzer(jobs=2)
    out = a.analyze_batch(["", "A disgraceful betrayal!", "x\x00y", None], ["e", "ok", "bin", "none"], errors="return")
    assert [r["id"] for r in out] == ["e", "ok", "bin", "none"]
    assert out[0]["error_type"] == "input" and "empty" in out[0]["error"]
    assert "techniques" in out[1] and "error" not in out[1]
    assert "binary" in out[2]["error"] and "empty" in out[3]["error"]
    with pytest.raises(ValueError, match="e: input is empty"):
        a.analyze_batch(["", "fine text."], ["e", "f"])
    with pytest.raises(ValueError, match="ids for"):
        a._inner.start_batch(["a"], ["1", "2"])
    with pytest.raises(ValueError, match="ids for"):
        a._inner.analyze_batch_jsonl(["a"], ["1", "2"])


def test_model_errors_are_model_error(tmp_path):
    with pytest.raises(unspin.ModelError, match="missing.bin"):
        unspin.Analyzer(model=str(tmp_path / "missing.bin"))
    notes = tmp_path / "notes.txt"
    notes.write_text("just words")
    with pytest.raises(unspin.ModelError, match="not an unspin model file"):
        unspin.Analyzer(claims_model=str(notes))
    with pytest.raises(ValueError):
        unspin.Analyzer(model="")
    with pytest.raises(ValueError):
        unspin.Analyzer(jobs=0)


def test_neural_model_when_installed():
    home = os.environ.get("UNSPIN_HOME", os.path.expanduser("~/.local/share/unspin"))
    need(os.path.isdir(os.path.join(home, "models")), "the MiniLM encoder is not installed (unspin model install)")
    a = unspin.Analyzer(model="neural", claims_model="neural")
    r = a.analyze(AWKWARD["emoji"], id="n")
    assert r["models"] == {"techniques": "neural", "claims": "neural"}
    for _, s in spans(r):
        assert r["text"][s["start"]:s["end"]] == s["text"]


def test_neural_quotes_model_when_installed():
    home = os.environ.get("UNSPIN_HOME", os.path.expanduser("~/.local/share/unspin"))
    need(os.path.isdir(os.path.join(home, "models")), "the MiniLM encoder is not installed (unspin model install)")
    a = unspin.Analyzer(quotes_model="neural")
    text = "\u201cWe will not close the library,\u201d the mayor, Ruth Okafor, said on Tuesday. " + AWKWARD["emoji"]
    r = a.analyze(text, id="q")
    assert r["models"]["quotes"] == "neural"
    assert any("Okafor" in (q["speaker"] or "") for q in r["quotes"]), r["quotes"]
    for q in r["quotes"]:
        assert r["text"][q["start"]:q["end"]] == q["text"]
    with pytest.raises(unspin.ModelError, match="`neural` model only"):
        unspin.Analyzer(quotes_model="accurate")


def test_accurate_model_when_installed():
    home = os.environ.get("UNSPIN_HOME", os.path.expanduser("~/.local/share/unspin"))
    need(
        os.path.isdir(os.path.join(home, "models", "all-mpnet-base-v2")),
        "the MPNet encoder is not installed (unspin model install accurate)",
    )
    committed = os.path.join(os.path.dirname(__file__), "..", "..", "..", "models", "techniques-accurate.bin")
    if not os.path.exists(committed):
        # No accurate technique model is committed yet: the tier says so by name.
        with pytest.raises(unspin.ModelError, match="techniques-accurate.bin"):
            unspin.Analyzer(model="accurate")
        return
    a = unspin.Analyzer(model="accurate")
    r = a.analyze(AWKWARD["emoji"], id="a")
    assert r["models"]["techniques"] == "accurate"
    for _, s in spans(r):
        assert r["text"][s["start"]:s["end"]] == s["text"]


def test_install_model_refuses_an_unknown_tier():
    with pytest.raises(unspin.ModelError, match="neural` or `accurate"):
        unspin.install_model(tier="huge")


def test_empty_unspin_home_is_a_model_error(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSPIN_HOME", str(tmp_path))
    with pytest.raises(unspin.ModelError, match="model install"):
        unspin.Analyzer(model="neural")


def test_to_pandas_has_one_row_per_span():
    pd = pytest.importorskip("pandas")
    reports = unspin.Analyzer().analyze_batch([SAMPLE, ""], ["s", "e"], errors="return")
    frame = unspin.to_pandas(reports)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns[:5]) == ["id", "section", "start", "end", "text"]
    assert len(frame) == sum(len(reports[0][s]) for s in unspin.SECTIONS)
    assert set(frame["id"]) == {"s"}
    tech = frame[frame.section == "techniques"]
    assert tech["technique"].notna().all() and tech["confidence"].between(0, 1).all()
