"""Date mentions, date selection and date F1 against journalists' timelines (t17)."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.timelines import date_selection as ds
from conflict_narratives.timelines import evaluation as te

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

D = dt.date
T17 = ("EgyptianProtest_cnn", "LibyaWar_cnn", "SyrianCrisis_bbc")


def test_date_prf_on_hand_made_timeline():
    ref = [D(2011, 2, 1), D(2011, 2, 2), D(2011, 2, 5), D(2011, 2, 9)]
    pred = [D(2011, 2, 1), D(2011, 2, 5), D(2011, 2, 6)]
    s = te.date_prf(pred, ref)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 4)
    assert s["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert te.date_prf([], ref) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def _docs(rows):
    return pd.DataFrame(
        [{"doc_id": str(i), "date": pd.Timestamp(d, tz="UTC"), "title": "", "text": t}
         for i, (d, t) in enumerate(rows)]  # fmt: skip
    )


def test_mentions_lift_a_day_later_articles_refer_to():
    """Three later articles refer back to March 19; the busiest publication day is the 22nd."""
    df = _docs([("2011-03-19", "Strikes begin"), ("2011-03-20", "Strikes began on March 19 ."),
                ("2011-03-21", "Since Saturday , when strikes began"),
                ("2011-03-22", "The March 19 strikes ..."),
                ("2011-03-22", "Talks in Paris"), ("2011-03-22", "More talks"),
                ("2011-03-22", "Still more"), ("2011-03-22", "And more")])  # fmt: skip
    assert te.select_dates(df, 1, method="pubcount") == [D(2011, 3, 22)]
    assert te.select_dates(df, 1, method="mentions") == [D(2011, 3, 19)]
    assert te.select_dates(df, 1, method="pubmention") == [D(2011, 3, 22)]  # 5 vs 1 + 3
    # weighted (fitted weights): near mentions (1-3 days later) weigh half a publication
    # share, so three follow-ups lift the 19th over the busiest day; without them it loses
    assert te.select_dates(df, 1) == [D(2011, 3, 19)]
    assert te.select_dates(df, 2) == [D(2011, 3, 19), D(2011, 3, 22)]
    assert te.select_dates(df.iloc[[0, 4, 5, 6, 7]], 1) == [D(2011, 3, 22)]
    feats = ds.date_features(df)
    assert feats.loc[D(2011, 3, 19), ["published", "mentioned_near", "mentioned_far"]
                     ].tolist() == [1, 3, 0]  # fmt: skip
    later = pd.concat([df, _docs([("2011-03-28", "A week after the March 19 strikes")])])
    assert te.select_dates(later, 1) == [D(2011, 3, 19)]
    assert ds.date_features(later).loc[D(2011, 3, 19), "mentioned_far"] == 1
    # the span limits candidates, and documents outside it are not read
    assert te.select_dates(df, 5, start=D(2011, 3, 21), end=D(2011, 3, 22)) == [
        D(2011, 3, 21), D(2011, 3, 22)]  # fmt: skip
    with pytest.raises(ValueError, match="unknown date method"):
        te.select_dates(df, 1, method="oracle")


def _t17(topic):
    folder = SHARED / "t17-conflict" / topic
    rows = [json.loads(line) for line in (folder / "articles.jsonl").open(encoding="utf-8")]
    df = pd.DataFrame({"doc_id": [r["id"] for r in rows], "title": "",
                       "text": [r["text"] for r in rows],
                       "date": pd.to_datetime([r["time"] for r in rows], utc=True)})  # fmt: skip
    return df, te.read_reference_timelines(folder / "timelines.jsonl")


@pytest.mark.skipif(not (SHARED / "t17-conflict").is_dir(),
                    reason="../shared/corpora/t17-conflict is not beside the project")  # fmt: skip
def test_t17_evaluation_produces_scores_and_beats_pubcount_on_average():
    per_topic = {}
    for topic in T17:
        df, refs = _t17(topic)
        scores = te.evaluate_dates(df, refs, methods=("weighted", "pubcount"))
        assert len(scores) == 2 * len(refs)
        assert (scores["l"] == [len(refs[i]) for i in scores["timeline"]]).all()
        summary = te.summarize_evaluation(scores)
        assert set(summary) >= {"date_f1", "date_precision", "date_recall", "pubcount_date_f1"}
        assert all(0 <= v <= 1 for v in summary.values())
        per_topic[topic] = summary
    assert per_topic["EgyptianProtest_cnn"]["pubcount_date_f1"] == 1.0  # every day is a date
    mean = pd.DataFrame(per_topic).T.mean()
    assert mean["date_f1"] > mean["pubcount_date_f1"]


def test_reference_timelines_and_paths(tmp_path):
    path = tmp_path / "timelines.jsonl"
    path.write_text(json.dumps([["2011-02-14", ["a ."]], ["2011-02-16T00:00:00", ["b ."]]]) + "\n")
    assert te.read_reference_timelines(path) == [[(D(2011, 2, 14), ["a ."]),
                                                  (D(2011, 2, 16), ["b ."])]]  # fmt: skip
    with pytest.raises(ValueError, match="t17"):
        te.t17_timelines_path("ant-multisource")
    with pytest.raises(FileNotFoundError):
        te.t17_timelines_path("t17:NoSuchTopic")
