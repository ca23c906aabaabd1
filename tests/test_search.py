"""Search (``run.search``, ``conflict-narratives search``) on a small constructed corpus:
Arabic spelling variants and clitics, phrases and operators, Latin case and accents,
filters, semantic and cross-language hits, the index kept, reused, grown by an update and
built on a partitioned corpus; on ant-multisource when its vectors are cached."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives.cli import app
from conflict_narratives.embeddings.cache import EmbeddingCache, text_key
from conflict_narratives.embeddings.views import doc_units
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.search import Searcher, forms, open_index, words
from conflict_narratives.search.index import frame_sources
from conflict_narratives.search.query import parse
from conflict_narratives.store import ENV_HOME, Store
from conftest import share_embedding_cache

ROOT = Path(__file__).resolve().parents[1]
FAST = {"topics": {"doc_map": {"enabled": False}}}

# (doc_id, outlet, date, title, text)
DOCS = [
    ("g1", "aljazeera", "2018-03-01", "قصف جوي على الغوطة الشرقية",
     "أفاد ناشطون بأن طائرات حربية قصفت بلدات في الغوطة الشرقية قرب دمشق صباح اليوم."),
    ("g2", "alarabiya", "2018-03-02", "معارك عنيفة في ريف دمشق",
     "تتواصل المعارك في ريف دمشق والغوطة منذ أسابيع دون أي هدنة."),
    ("g3", "aljazeera", "2018-03-03", "قافلة مساعدات تصل أخيرا",
     "وصلت قافلة مساعدات إنسانية إلى المحاصرين بالغوطة بعد انتظار طويل."),
    ("g4", "alarabiya", "2018-03-04", "نداء أممي عاجل",
     "وجهت الأمم المتحدة نداء عاجلا للغوطة المحاصرة لإدخال الدواء والغذاء."),
    ("g5", "aljazeera", "2018-03-05", "ليلة هادئة نسبيا",
     "قال مراسلنا إن الغُوطَة شهدت ليلة هادئة نسبيا بعد أيام من القصف."),
    ("g6", "alarabiya", "2018-03-06", "نقص في الغذاء",
     "أهالي الغـوطه يعانون من نقص حاد في الغذاء والمياه."),
    ("g7", "aljazeera", "2018-03-07", "غوطة دمشق الزراعية",
     "تعد غوطة دمشق من أخصب الأراضي الزراعية في سوريا منذ قرون."),
    ("c1", "aljazeera", "2018-04-07", "هجوم كيماوي على دوما",
     "هجوم بالأسلحة الكيماوية على مدينة دوما يوقع عشرات القتلى المدنيين وحالات اختناق."),
    ("h1", "alarabiya", "2018-03-10", "قصف مستشفى ميداني",
     "قصفت طائرات مستشفى ميدانيا في إدلب وأخرجته عن الخدمة."),
    ("o1", "aljazeera", "2018-03-11", "ارتفاع أسعار النفط",
     "ارتفعت أسعار النفط في الأسواق العالمية اليوم مع تراجع المخزونات."),
    ("f1", "alarabiya", "2018-03-12", "فوز المنتخب المغربي",
     "فاز المنتخب المغربي على نظيره التونسي في مباراة ودية لكرة القدم."),
    ("q1", "aljazeera", "2018-03-13", "زلزال يضرب جنوب تركيا",
     "زلزال بقوة ست درجات يضرب جنوب تركيا ويهدم عشرات المباني القديمة."),
    ("e1", "reuters", "2018-04-04", "Nerve agent attack kills dozens in Khan Sheikhoun",
     "Doctors said the victims showed signs of exposure to a nerve agent after the strike."),
    ("e2", "reuters", "2018-04-05", "Intelligence officer speaks out",
     "The agent said the nerve centre of the rebellion had moved to the north."),
    ("e3", "reuters", "2018-04-06", "Chlorine gas attack reported in Aleppo",
     "Rescuers said chlorine was used in the attack on a residential district of Aleppo."),
    ("e4", "reuters", "2018-04-08", "Aleppo ceasefire holds for a second day",
     "No shelling was reported in Aleppo as the truce held across the city."),
    ("e5", "reuters", "2018-04-09", "Oil prices climb on Gulf tensions",
     "Brent crude rose three percent on Monday as traders weighed supply risks."),
    ("e6", "reuters", "2018-04-10", "Cholera spreads through Yemen",
     "Health workers in Sanaa say the cholera epidemic is overwhelming hospitals as "
     "cases rise."),
    ("e7", "reuters", "2018-04-11", "Champions League final tickets sold out",
     "Fans queued overnight for tickets to the final in Kiev next month."),
    ("fr", "lemonde", "2018-04-12", "L'armée syrienne reprend la Ghouta orientale",
     "Les forces de l'armée ont avancé après des semaines de combats acharnés."),
    ("es", "elpais", "2018-04-13", "El ejército sirio bombardea Alepo",
     "Según el Observatorio, los bombardeos causaron víctimas civiles en Alepo."),
    ("it", "ansa", "2018-04-14", "L'esercito siriano entra a Douma",
     "Le truppe governative sono entrate nella città di Douma, riferiscono i media."),
]
GHOUTA = {"g1", "g2", "g3", "g4", "g5", "g6", "g7"}


def frame(docs=DOCS) -> pd.DataFrame:
    return pd.DataFrame(docs, columns=["doc_id", "source", "date", "title", "text"])


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A project with the mini corpus loaded (as ``mini``) and its index built."""
    home = share_embedding_cache(tmp_path_factory.mktemp("search"))
    run = Pipeline(frame(), name="mini", store=Store(home), overrides=FAST)
    assert len(run.corpus) == len(DOCS), run.load_report
    run.searcher()
    return home


@pytest.fixture
def run(home) -> Pipeline:
    return Pipeline("mini", store=Store(home), overrides=FAST)


def ids(found: pd.DataFrame) -> set[str]:
    return set(found["doc_id"])


def test_forms_fold_arabic_and_latin_variants():
    assert words("الغُوطَة الغـوطة أحمد إدلب مستشفى") == ["الغوطه", "الغوطه", "احمد", "ادلب",
                                                       "مستشفي"]
    assert words("L'Armée EJÉRCITO Víctimas") == ["l", "armee", "ejercito", "victimas"]
    variants = forms("الغوطه")
    assert {"الغوطه", "غوطه", "والغوطه", "بالغوطه", "للغوطه", "وللغوطه"} <= set(variants)
    assert "لالغوطه" not in variants  # ل + ال is written لل
    assert "له" not in forms("الله")  # the article stays where two letters would remain
    assert forms("nerve") == ["nerve"]


def test_snippets_mark_hits_as_written():
    from conflict_narratives.search.snippets import snippet

    phrase = [[set(forms(w)) for w in words("alep")]]
    assert snippet("Titre\nLe prix a monté de ½ point à Alep hier.", phrase, skip=6) == \
        "Le prix a monté de ½ point à **Alep** hier."  # ½ folds to two words: aligned anyway
    long = "word " * 100 + "الغُوطَة الشرقية " + "word " * 100
    cut = snippet(long, [[set(forms("الغوطه")), set(forms("الشرقيه"))]], width=60)
    assert cut.startswith("…") and cut.endswith("…") and "**الغُوطَة الشرقية**" in cut
    assert len(cut) <= 70


def test_arabic_spelling_variants_and_clitics_are_found(run):
    found = run.search("الغوطه", mode="words")
    assert ids(found) == GHOUTA
    assert set(found["mode"]) == {"words"}
    assert (found["score"] > 0).all() and found["score"].is_monotonic_decreasing
    assert ids(run.search("غوطة", mode="words")) == GHOUTA
    assert ids(run.search("ادلب", mode="words")) == {"h1"}  # written إدلب
    assert ids(run.search("مستشفي", mode="words")) == {"h1"}  # written مستشفى
    snippets = dict(zip(found["doc_id"], found["snippet"], strict=True))
    assert "**الغُوطَة**" in snippets["g5"]  # the hit marked as written
    assert "**الغوطه**" in snippets["g6"]  # the loader took the tatweel out
    assert "**بالغوطة**" in snippets["g3"]


def test_phrases_and_operators(run):
    assert ids(run.search('"nerve agent"', mode="words")) == {"e1"}  # e2: not adjacent
    assert ids(run.search("nerve agent", mode="words")) == {"e1", "e2"}  # both words
    assert ids(run.search("nerve AND agent", mode="words")) == {"e1", "e2"}
    assert ids(run.search("chlorine OR cholera", mode="words")) == {"e3", "e6"}
    assert ids(run.search("aleppo NOT chlorine", mode="words")) == {"e4"}
    assert ids(run.search("aleppo AND NOT (chlorine OR truce)", mode="words")) == set()
    assert ids(run.search('"الغوطة الشرقية"', mode="words")) == {"g1"}
    assert ids(run.search('«غوطة دمشق»', mode="words")) == {"g7"}
    nots = run.search("NOT الغوطة", k=100, mode="words")
    assert ids(nots) == {d[0] for d in DOCS} - GHOUTA
    hit = run.search('"nerve agent"', mode="words")["snippet"].iloc[0]
    assert "**nerve agent**" in hit  # the phrase marked once


def test_latin_case_accents_and_apostrophes(run):
    assert ids(run.search("ARMEE", mode="words")) == {"fr"}
    assert ids(run.search("ejercito victimas", mode="words")) == {"es"}
    assert ids(run.search("l'armée", mode="words")) == {"fr"}  # a phrase: l + armee
    assert ids(run.search("citta", mode="words")) == {"it"}


@pytest.mark.parametrize("query", ['"nerve agent', "nerve AND", "OR nerve", "(nerve",
                                   "nerve )", "NOT", "!!!"])
def test_bad_queries_are_clear_errors(run, query):
    with pytest.raises(ValueError, match="query"):
        run.search(query, mode="words")


def test_bad_arguments_are_clear_errors(run):
    with pytest.raises(ValueError, match="unknown search mode"):
        run.search("x", mode="fuzzy")
    with pytest.raises(ValueError, match="k must be"):
        run.search("x", k=0)
    with pytest.raises(ValueError, match="no outlet"):
        run.search("الغوطة", outlet="bbc")


def test_filters(run):
    assert ids(run.search("الغوطة", outlet="aljazeera")) == {"g1", "g3", "g5", "g7"}
    assert ids(run.search("الغوطة", outlet=["ALJAZEERA", "alarabiya"])) == GHOUTA
    assert ids(run.search("الغوطة", since="2018-03-02", until="2018-03-04")) == \
        {"g2", "g3", "g4"}  # both ends inclusive
    assert ids(run.search("attack", language="en")) == {"e1", "e3"}
    assert ids(run.search("attack", language="fr", mode="words")) == set()


def test_topic_filter_and_columns(run):
    """Topics from a saved result: ids and labels, by id or by label."""
    corpus = run.corpus
    topic_of = {d: (0 if d in GHOUTA else 1) for d in corpus["doc_id"]}
    result = SimpleNamespace(doc_topics=pd.DataFrame({"doc_id": list(topic_of),
                                                      "topic": list(topic_of.values())}),
                             labels=lambda: {0: "الغوطة · دمشق", 1: "other"})
    searcher = Searcher(run.searcher().index, corpus, corpus_key="k", matrix=None,
                        backend=None, topics=lambda required: result)
    found = searcher.search("دمشق", topic="الغوطة · دمشق")
    assert ids(found) == {"g1", "g2", "g7"}
    assert set(found["topic"]) == {0} and set(found["topic_label"]) == {"الغوطة · دمشق"}
    assert ids(searcher.search("دمشق OR aleppo", topic=[1])) == {"e3", "e4"}
    with pytest.raises(ValueError, match="no topic"):
        searcher.search("x", topic="nothing like it")
    no_topics = run.search("الغوطة")
    assert no_topics["topic"].isna().all()  # none saved: none fitted for a search


def test_semantic_mode_finds_the_planted_near_document(run):
    found = run.search("infectious disease outbreak overwhelms clinics", mode="semantic", k=3)
    assert found["doc_id"].iloc[0] == "e6"
    assert set(found["mode"]) == {"semantic"} and found["score"].is_monotonic_decreasing


def test_an_english_query_finds_arabic_documents(run):
    found = run.search("chemical weapons attack kills civilians", language="ar", k=3)
    assert found["mode"].iloc[0] == "semantic"  # auto: no Arabic document holds the words
    assert found["doc_id"].iloc[0] == "c1"
    quake = run.search("earthquake destroys buildings", language="ar", k=1)
    assert quake["doc_id"].iloc[0] == "q1"


def test_auto_mode(run):
    assert run.search("الغوطه")["mode"].iloc[0] == "words"
    assert run.search('"no such phrase"')["mode"].eq("words").all()  # operators: words
    assert len(run.search('"no such phrase"')) == 0
    assert run.search("football championship tickets")["mode"].iloc[0] == "semantic"


def test_the_index_is_kept_and_reused(home, run):
    searcher = run.searcher()
    assert searcher.index.built == 0  # built by the fixture's run, opened here
    run.search("الغوطة")
    assert run.searcher() is searcher  # one index per corpus version and run
    folders = sorted(p.name for p in Store(home).search_dir("mini").iterdir())
    assert folders == [s.path.name for s in searcher.index.segments]
    run.search("chemical attack", mode="semantic")
    assert run.embeddings.stats["n_computed"] == 0  # searching never embeds the corpus


def test_segments_are_reused_when_rows_are_appended(tmp_path):
    corpus = frame()
    first = open_index(tmp_path, frame_sources(corpus, 8))
    assert first.built == 3 and first.n_docs == len(DOCS)
    grown = pd.concat([corpus, frame([("n1", "x", "2018-05-01", "جديد",
                                       "خبر جديد عن الغوطة الشرقية اليوم")])])
    second = open_index(tmp_path, frame_sources(grown, 8))
    assert second.built == 1 and second.n_docs == len(DOCS) + 1  # the last segment only
    mask, _ = second.match(parse("الغوطة"))
    assert mask[-1] and mask.sum() == len(GHOUTA) + 1


@pytest.mark.slow  # an update extends fitted topics: the fit is most of a minute here
def test_the_index_grows_with_an_update(home, tmp_path):
    """An update appends documents: only the segments holding them are indexed."""
    copy = share_embedding_cache(tmp_path / "copy")
    run = Pipeline(frame(), name="mini", store=Store(copy), overrides={
        "search": {"segment_rows": 8},
        "topics": {"doc_map": {"enabled": False}, "min_cluster_size": 3}})
    assert run.searcher().index.built == 3
    new = frame([("u1", "aljazeera", "2018-04-20", "عودة الأهالي إلى الغوطة",
                  "بدأ مئات من الأهالي العودة إلى بلداتهم في الغوطة الشرقية بعد توقف القصف."),
                 ("u2", "reuters", "2018-04-21", "Residents return to Eastern Ghouta",
                  "Hundreds of families went back to their towns after the shelling stopped.")])
    new.to_csv(tmp_path / "new.csv", index=False)
    run.update([tmp_path / "new.csv"], stages=())
    searcher = run.searcher()
    assert searcher.index.built == 1 and searcher.index.n_docs == len(DOCS) + 2
    assert {"u1"} <= ids(run.search("الغوطة"))
    assert ids(run.search("ghouta", mode="words")) == {"fr", "u2"}


def test_cli_search(home, monkeypatch):
    monkeypatch.setenv(ENV_HOME, str(home))
    runner = CliRunner()
    table = runner.invoke(app, ["search", "mini", "الغوطه", "--k", "3", "--outlet",
                                "aljazeera"])
    assert table.exit_code == 0, table.output
    assert "3 documents for 'الغوطه' (words)" in table.output and "**" in table.output
    done = runner.invoke(app, ["search", "mini", '"nerve agent" OR cholera', "--json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output)
    assert payload["mode"] == "words" and payload["n"] == 2
    assert {r["doc_id"] for r in payload["results"]} == {"e1", "e6"}
    assert set(payload["results"][0]) >= {"doc_id", "score", "headline", "outlet", "date",
                                          "topic_label", "snippet"}


@pytest.mark.xdist_group("cluster")
def test_a_partitioned_corpus_gives_the_in_process_results(home, tmp_path):
    """The corpus in partitions of 5 rows on a 2-worker cluster: the index is built on the
    workers (the client never holds the texts) and every search equals the in-process one."""
    from distributed import Client, LocalCluster

    here = Pipeline("mini", store=Store(home), overrides=FAST)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                      memory_limit="2GB") as cluster, Client(cluster) as client:
        parts = Pipeline(frame(), name="mini", client=client,
                         store=Store(share_embedding_cache(tmp_path / "parts")),
                         overrides=FAST | {"compute": {"partition_rows": 5}})
        assert len(parts.load().result[0]) == 5 and "text" not in parts.corpus
        assert parts.searcher().index.built == 5
        for query, mode in [("الغوطه", "words"), ('"nerve agent" OR aleppo', "words"),
                            ("chemical weapons attack", "semantic")]:
            mine, theirs = parts.search(query, mode=mode), here.search(query, mode=mode)
            assert mine["doc_id"].tolist() == theirs["doc_id"].tolist()
            np.testing.assert_allclose(mine["score"], theirs["score"], atol=1e-3)
            assert mine["snippet"].tolist() == theirs["snippet"].tolist()


ANT = "ant-multisource"


def _ant_cached() -> Pipeline | None:
    """ant-multisource as loaded in this checkout, if its vectors are all cached."""
    store = Store(ROOT)
    if store.marker(store.corpus_dir(ANT)) is None:
        return None
    run = Pipeline(ANT, store=store)
    cfg = run.settings["embeddings"]
    units = doc_units(run.corpus, cfg["text_view"], int(cfg["max_chars"]), cfg["window_chars"])
    cache = EmbeddingCache(store.embeddings_dir, run.backend.id)
    return None if cache.missing(text_key(u) for doc in units for u in doc) else run


@pytest.mark.slow
def test_ant_multisource_english_finds_arabic_reports_and_spelling_variants():
    run = _ant_cached()
    if run is None:
        pytest.skip("ant-multisource is not loaded with its vectors cached in this checkout "
                    "(conflict-narratives embed ant-multisource)")
    found = run.search("chemical attack", k=20)
    assert set(found["mode"]) == {"semantic"} and set(found["language"]) == {"ar"}
    chemical = ("كيماو", "كيميا", "سارين", "كلور", "غاز")
    share = np.mean([any(w in text for w in chemical)
                     for text in found["headline"] + " " + found["snippet"]])
    assert share >= 0.7, found[["headline", "snippet"]]
    ghouta = run.search("الغوطه", k=200)
    assert ghouta["mode"].iloc[0] == "words" and len(ghouta) == 200
    assert ghouta["snippet"].str.contains("الغوطة").mean() > 0.5  # spelled with ة
