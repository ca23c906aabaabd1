"""Zero-shot frame scorer: sanity on obvious sentences (real USE-M), keyword validation,
shares with counts, configuration."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.embeddings.backends import get_backend
from conflict_narratives.narratives import frames as F

CIVILIAN = "civilian harm / humanitarian"
DIPLOMACY = "diplomacy and negotiation"

# A small mixed "corpus" to calibrate on: a few reports of each kind, both languages.
CALIBRATION = [
    "اشتباكات عنيفة بين الجيش والمسلحين في ريف إدلب وتقدم القوات على محور جديد",
    "The army shelled rebel positions and captured two villages overnight.",
    "مقتل عشرة مدنيين بينهم أطفال في قصف على حي سكني",
    "Aid agencies say thousands of displaced families lack food and clean water.",
    "تفجير انتحاري يستهدف نقطة أمنية واعتقال خلية إرهابية",
    "Police foiled a terror plot and arrested three suspected jihadists.",
    "وزير الخارجية يبحث مع نظيره الروسي سبل الحل السياسي للأزمة",
    "Delegations resumed negotiations in Geneva on a ceasefire deal.",
    "منظمة حقوقية تتهم الحكومة بارتكاب جرائم حرب وتطالب بالمحاسبة",
    "The UN blamed the regime for the attack and called for an inquiry.",
    "انهيار صفوف التنظيم وهروب عناصره بعد خسارة آخر معاقله",
    "The militants surrendered en masse as their last stronghold fell.",
    "ارتفاع أسعار النفط في الأسواق العالمية",
    "The central bank kept interest rates unchanged.",
]


@pytest.fixture(scope="module")
def backend():
    return get_backend("use-m")


@pytest.fixture(scope="module")
def scorer(backend):
    return F.FrameScorer(F.load_frames(), backend).fit(backend.embed(CALIBRATION))


def top(scorer, backend, text):
    return scorer.transform(backend.embed([text]))["top_frame"].iloc[0]


def test_default_frames_cover_the_required_ones():
    names = {f.name for f in F.load_frames()}
    assert {"military operations", CIVILIAN, "terrorism and security", DIPLOMACY,
            "accountability and blame", "collapse or defeat of an armed group"} <= names
    assert all(f.keywords for f in F.load_frames())


def test_humanitarian_arabic_sentence_scores_civilian_harm(scorer, backend):
    text = ("نزوح آلاف العائلات وسقوط ضحايا من المدنيين بينهم نساء وأطفال"
            " وسط نقص حاد في الغذاء والدواء")
    assert top(scorer, backend, text) == CIVILIAN


def test_english_diplomacy_sentence_scores_diplomacy(scorer, backend):
    text = ("Foreign ministers met in Vienna to negotiate a peace agreement"
            " and a political transition.")
    assert top(scorer, backend, text) == DIPLOMACY


def test_probabilities_and_none(scorer, backend):
    out = scorer.transform(backend.embed(CALIBRATION), doc_ids=[f"d{i}" for i in range(14)])
    probs = out[scorer.names].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1) and (probs >= 0).all()
    assert set(out["frame"]) <= {*scorer.names, F.NONE}
    assert (out.loc[out["frame"] == F.NONE, "z"] < scorer.min_z).all()


def test_unfitted_and_mismatched_inputs_are_clear_errors(backend):
    s = F.FrameScorer(F.load_frames(), backend)
    with pytest.raises(RuntimeError, match="not fitted"):
        s.transform(np.zeros((1, 512), dtype=np.float32))
    with pytest.raises(ValueError, match="same backend"):
        s.fit(np.zeros((3, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="centering"):
        F.FrameScorer(F.load_frames(), backend, centering=2)


def test_user_frames_from_config(backend):
    extra = {"name": "economy", "descriptions": ["Oil prices and inflation", "أسعار النفط"]}
    fr = F.load_frames({"narratives": {"frames": {"extra": [extra]}}})
    assert fr[-1].name == "economy" and len(fr) == 7
    s = F.FrameScorer(fr, backend).fit(backend.embed(CALIBRATION))
    assert top(s, backend, "أسعار النفط ترتفع والتضخم يزداد") == "economy"
    with pytest.raises(ValueError, match="descriptions"):
        F.load_frames({"narratives": {"frames": {"extra": [{"name": "x"}]}}})


def test_keyword_labels_keep_only_dominant_frames():
    fr = F.load_frames()
    docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "text": [
        "مفاوضات ومحادثات بين وزير الخارجية والمبعوث",  # diplomacy only
        "civilians and children in hospitals; humanitarian aid",  # civilian harm only
        "مفاوضات وسط غارات وقصف واشتباكات ومعارك",  # military dominates 4:1... but see below
        "مفاوضات وغارات",  # tie: not obvious
    ]})
    labels = F.keyword_labels(docs, fr).set_index("doc_id")
    assert labels.loc["a", "frame"] == DIPLOMACY
    assert labels.loc["b", "frame"] == CIVILIAN
    assert labels.loc["c", "frame"] == "military operations"
    assert "d" not in labels.index


def test_validation_metrics_and_shares_with_counts():
    labels = pd.DataFrame({"doc_id": ["a", "b", "c", "d"],
                           "frame": ["x", "x", "y", "y"], "hits": 3, "runner_up": 0})
    scored = pd.DataFrame({"doc_id": ["a", "b", "c", "d", "e"],
                           "frame": ["x", "none", "y", "x", "y"],
                           "top_frame": ["x", "x", "y", "x", "y"], "z": 1.0,
                           "x": [.9, .6, .2, .7, .1], "y": [.1, .4, .8, .3, .9]})
    v = F.keyword_validation(labels, scored)
    assert v["n"] == 4 and v["accuracy"] == 0.75 and v["majority_baseline"] == 0.5
    assert v["per_frame"]["y"]["recall"] == 0.5
    corpus = pd.DataFrame({"doc_id": list("abcde"), "source": list("ppqqq"),
                           "date": pd.to_datetime(["2018-01-05"] * 5, utc=True)})
    shares = F.frame_shares(corpus, scored).set_index(["source", "frame"])
    assert shares.loc[("q", "y"), "n_docs_frame"] == 2 and shares.loc[("q", "y"), "n_docs"] == 3
    assert shares.groupby("source")["share"].sum().round(6).eq(1).all()
    assert shares.loc[("p", "none"), "n_docs_frame"] == 1
    monthly = F.frame_shares(corpus, scored, freq="month")
    assert monthly["period"].nunique() == 1 and monthly["n_docs_frame"].sum() == 5
