"""Shared fixtures: the CLI binary to compare against, generated documents, and the rule
that what CI installs is never skipped (CI=true turns a skip into a failure)."""
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = (ROOT / "samples" / "harbor-bridge.txt").read_text(encoding="utf-8")


def need(condition: bool, reason: str) -> None:
    """Skips with `reason` unless running in CI, where it fails instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it: nothing may be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `unspin` binary: $UNSPIN_BIN, else the workspace's release or debug build."""
    candidates = [os.environ.get("UNSPIN_BIN"), ROOT / "target/release/unspin", ROOT / "target/debug/unspin"]
    found = [Path(c) for c in candidates if c and Path(c).is_file()]
    need(bool(found), "no unspin binary (build it with cargo, or set UNSPIN_BIN)")
    return found[0]


def generated(n: int, seed: int = 7) -> list:
    """`n` documents made from the sample's sentences in random order, with numbers
    changed: text we wrote, varied enough to give each document its own spans."""
    rng = random.Random(seed)
    lines = [l for l in SAMPLE.splitlines() if l.strip()]
    docs = []
    for i in range(n):
        picked = rng.sample(lines, k=min(len(lines), rng.randint(3, 8)))
        text = "\n\n".join(picked).replace("2,460", f"{rng.randint(100, 9999):,}")
        docs.append({"id": f"gen{i}", "text": text})
    return docs


def cli_reports(cli: Path, docs: list, tmp: Path) -> dict:
    """The CLI's `--format jsonl` reports of `docs` (read as JSON Lines), by id."""
    path = tmp / "docs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    out = subprocess.run(
        [str(cli), "analyze", str(path), "--format", "jsonl"], capture_output=True, check=True
    )
    reports = [json.loads(l) for l in out.stdout.decode("utf-8").splitlines()]
    return {r["id"]: r for r in reports}


def canonical(report: dict) -> str:
    """A report as sorted-key JSON, without `source` (where the CLI read it from)."""
    r = dict(report)
    r.pop("source", None)
    return json.dumps(r, sort_keys=True, ensure_ascii=False)
