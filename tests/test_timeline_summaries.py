"""Timeline ROUGE (concat, alignment-based) on hand-made timelines, and extractive date
summaries on a real Timeline17 topic."""

import datetime as dt
import json
from pathlib import Path

import pytest

from conflict_narratives.timelines import rouge, summaries

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

D = dt.date
REF = {D(2011, 3, 19): ["Coalition warplanes strike Libyan air defences ."],
       D(2011, 3, 21): ["Rebels retake Ajdabiya after heavy fighting ."]}  # fmt: skip


def test_rouge_of_identical_timelines_is_one():
    s = rouge.timeline_rouge(REF, REF)
    for key in ("concat_r1_f1", "concat_r2_f1", "align_r1_f1", "align_r2_f1"):
        assert s[key] == pytest.approx(1.0)


def test_alignment_discounts_a_day_off_and_concat_does_not():
    shifted = {d + dt.timedelta(days=1): s for d, s in REF.items()}
    s = rouge.timeline_rouge(shifted, REF)
    assert s["concat_r1_f1"] == pytest.approx(1.0)
    assert s["align_r1_f1"] == pytest.approx(0.5)  # every hit weighted 1 / (1 + 1)
    wrong = {D(2011, 3, 19): ["Markets fell sharply in Tokyo ."]}
    assert rouge.timeline_rouge(wrong, REF)["align_r1_f1"] == 0.0
    assert rouge.tokens("The strikes were striking") == ("strike", "strike")  # stems, no stop words


def test_sentence_split_and_centroid_choice():
    assert summaries.split_sentences("One here. Two there!\nThree? ") == [
        "One here.", "Two there!", "Three?"]  # fmt: skip


T17 = SHARED / "t17-conflict" / "LibyaWar_cnn"


@pytest.mark.skipif(not T17.is_dir(), reason="../shared/corpora/t17-conflict is absent")
def test_summaries_of_real_dates_beat_unrelated_text():
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.timelines import date_selection as ds
    from conflict_narratives.timelines import evaluation as te

    df = Pipeline("t17:LibyaWar_cnn").corpus
    ref = te.read_reference_timelines(T17 / "timelines.jsonl")[0]
    first = [(d, s) for d, s in ref if d <= D(2011, 3, 31)]
    days = [d for d, _ in first]
    sub = df[(ds._pub_days(df) <= D(2011, 3, 31)).to_numpy()]
    keywords = json.loads((T17 / "keywords.json").read_text())
    summ = summaries.summarize_dates(sub, days, n_sents=2, keywords=keywords)
    assert set(summ["date"]) <= set(days) and len(summ) >= 0.8 * len(days)
    assert (summ["sentences"].str.len() <= 2).all()
    assert all(5 <= len(s.split()) <= 50 for ss in summ["sentences"] for s in ss)
    pred = {r.date: list(r.sentences) for r in summ.itertuples()}
    ours = rouge.timeline_rouge(pred, dict(first))
    # the same sentences under the wrong dates: alignment-based ROUGE must drop
    swapped = dict(zip(sorted(pred), reversed([pred[d] for d in sorted(pred)]), strict=True))
    assert ours["align_r1_f1"] > rouge.timeline_rouge(swapped, dict(first))["align_r1_f1"]
    assert ours["align_r1_f1"] > 0.15 and ours["align_r2_f1"] > 0.03
