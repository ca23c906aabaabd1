"""Actor gazetteer: Arabic proclitics, spelling variants, English case, networks."""

import pandas as pd
import pytest

from conflict_narratives.narratives.actors import Gazetteer, actor_graph, cooccurrence, prominence


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer.from_config()


def names(gaz, text):
    return [a for a, _ in gaz.find(text)]


@pytest.mark.parametrize("text", ["داعش", "وداعش", "بداعش", "لداعش", "فداعش", "ولداعش"])
def test_arabic_proclitics_on_bare_name(gaz, text):
    assert names(gaz, f"قال مصدر إن {text} انسحب") == ["ISIS"]


@pytest.mark.parametrize("text", [
    "القوات العراقية", "والقوات العراقية", "بالقوات العراقية", "للقوات العراقية",
    "وللقوات العراقية", "فالقوات العراقية", "كالقوات العراقية", "وبالقوات العراقية",
])
def test_arabic_proclitics_with_definite_article(gaz, text):
    assert names(gaz, f"اشتباكات {text} في الموصل") == ["Iraqi forces"]


def test_no_match_inside_a_longer_word(gaz):
    # "داعشيين" is not the alias "داعش" plus a proclitic; "قسدية" is not "قسد"
    assert names(gaz, "داعشيين قسدية") == []


@pytest.mark.parametrize("text", [
    "الدولة الإسلامية", "الدولة الاسلامية", "الدوله الاسلاميه", "الدَّوْلَة الإسلاميّة",
    "تنظيم الدولة", "ISIS", "Isil", "islamic state", "the Islamic State", "Daesh",
])
def test_isis_spelling_variants(gaz, text):
    assert names(gaz, text) == ["ISIS"]


@pytest.mark.parametrize("text,actor", [
    ("قسد", "SDF"), ("قوات سوريا الديمقراطية", "SDF"), ("the SDF said", "SDF"),
    ("الحوثيون", "Houthis"), ("أنصار الله", "Houthis"), ("HOUTHIS", "Houthis"),
    ("النظام السوري", "Syrian regime"), ("الجيش السوري", "Syrian regime"),
    ("Syrian army", "Syrian regime"), ("assad", "Syrian regime"),
    ("الجيش السوري الحر", "Free Syrian Army"), ("هيئة تحرير الشام", "al-Nusra / HTS"),
])
def test_aliases_map_to_canonical_actor(gaz, text, actor):
    assert names(gaz, text) == [actor]


def test_longest_alias_wins(gaz):
    assert names(gaz, "والتحالف الدولي") == ["International coalition"]
    assert names(gaz, "التحالف العربي") == ["Saudi-led coalition"]
    assert names(gaz, "التحالف") == ["Coalition (unspecified)"]


def test_case_sensitive_acronyms(gaz):
    assert names(gaz, "The US and the UN") == ["United States", "United Nations"]
    assert names(gaz, "let us go, un moment") == []


def test_user_extension_adds_aliases_and_actors():
    gaz = Gazetteer.from_config({"narratives": {"actors": {"extra": [
        {"name": "ISIS", "aliases": ["خوارج العصر"]},
        {"name": "Wagner", "type": "armed_group", "aliases": ["فاغنر", "Wagner Group"]},
    ]}}})
    assert names(gaz, "خوارج العصر وفاغنر") == ["ISIS", "Wagner"]
    assert names(gaz, "داعش") == ["ISIS"]  # packaged aliases kept


def test_bad_entry_is_a_clear_error():
    with pytest.raises(ValueError, match="without a name"):
        Gazetteer.from_entries([{"aliases": ["x"]}])


@pytest.fixture()
def small_corpus():
    return pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "title": ["داعش والقوات العراقية", "روسيا وتركيا", "روسيا وداعش", None],
        "text": ["معارك في الموصل", "قمة في سوتشي", "غارات روسية", "خبر بلا أسماء"],
        "source": ["x", "x", "y", "y"],
        "date": pd.to_datetime(["2018-03-01", "2018-03-20", "2018-04-02", "2018-04-03"],
                               utc=True),
        "date_status": ["ok"] * 4,
    })


def test_mentions_prominence_and_network(gaz, small_corpus):
    m = gaz.mentions(small_corpus)
    assert set(m["doc_id"]) == {"a", "b", "c"}
    prom = prominence(m, small_corpus, freq="month")
    row = prom[(prom["source"] == "y") & (prom["actor"] == "ISIS")].iloc[0]
    assert (row["n_docs_actor"], row["n_docs"], row["share"]) == (1, 2, 0.5)
    topics = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "topic": [0, 1, 0, 1]})
    edges = cooccurrence(m, small_corpus, topics, freq="month")
    assert len(edges) == 3 and edges["weight"].sum() == 3
    graph = actor_graph(edges, topic=0)
    assert set(graph.nodes) == {"ISIS", "Iraqi forces", "Russia"}
    assert graph["ISIS"]["Russia"]["weight"] == 1
    assert graph.nodes["ISIS"]["degree_weight"] == 2
