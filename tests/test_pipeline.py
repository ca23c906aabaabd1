"""The orchestrator: inputs built once, results keyed, the README's notebook example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import conflict_narratives as cn
from conflict_narratives import embeddings
from conflict_narratives.embeddings import embed as embed_module
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
FAST = {"embeddings": {"backend": "tfidf-lsa", "lsa_dim": 32},
        "topics": {"doc_map": {"enabled": False}}}


def test_a_cold_run_reads_the_corpus_once_and_hashes_texts_once(store, monkeypatch):
    counts = {"load": 0, "read": 0, "embed": 0, "hash": 0}

    def counting(name, fn):
        def wrapped(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapped

    from conflict_narratives import corpus

    monkeypatch.setattr(corpus, "load_corpus", counting("load", corpus.load_corpus))
    monkeypatch.setattr(Store, "read_corpus", counting("read", Store.read_corpus))
    monkeypatch.setattr(embeddings, "embed_corpus", counting("embed", embeddings.embed_corpus))
    monkeypatch.setattr(embed_module, "text_key", counting("hash", embed_module.text_key))
    summary = Pipeline("fa-kes", sample=150, store=store, overrides=FAST).run()
    stages = summary["stages"]
    assert not any(stages[s]["cached"] for s in ("load", "topics", "timelines", "narratives"))
    n_texts = summary["stages"]["embed"]["n_texts"]
    assert counts == {"load": 1, "read": 0, "embed": 1, "hash": n_texts}
    # a second run of a new Pipeline reads the saved corpus once and embeds nothing
    counts.update(load=0, read=0, embed=0, hash=0)
    again = Pipeline("fa-kes", sample=150, store=store, overrides=FAST).run()
    assert all(s["cached"] for s in again["stages"].values())
    assert counts == {"load": 0, "read": 1, "embed": 0, "hash": 0}


def test_dataframe_corpus_and_results_as_data(store):
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1").head(120)
    run = cn.open(raw, name="fa-kes-head", overrides=FAST, home=store.root)
    assert len(run.corpus) <= 120 and run.load_report["rows_in"] == 120
    topics = run.topics()
    assert set(topics.doc_topics["doc_id"]) == set(run.corpus["doc_id"].astype(str))
    assert run.run_topics().cached is False and run.run_topics().path.parent == \
        store.processed_dir / "fa-kes-head" / "topics"
    with pytest.raises(ValueError, match="needs a name"):
        cn.open(raw)


def test_readme_notebook_example_runs(store):
    """The README's Python example, executed as written (in a throw-away project)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(import conflict_narratives as cn\n.*?)```", text, re.S)
    assert block, "README has no `import conflict_narratives as cn` example"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["topics"].n_topics >= 2
    assert len(namespace["events"]) == len(namespace["run"].timelines().events)
