"""Date mentions, date selection and date F1 against journalists' timelines (t17)."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.timelines import evaluation as te

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

D = dt.date
PUB = D(2011, 3, 23)  # a Wednesday
T17 = ("EgyptianProtest_cnn", "LibyaWar_cnn", "SyrianCrisis_bbc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Coalition strikes began on March 19 , 2011 .", [D(2011, 3, 19)]),
        ("The vote took place on 17 March.", [D(2011, 3, 17)]),
        ("Protests since Feb. 15 spread", [D(2011, 2, 15)]),
        ("due on Sept 3rd", [D(2011, 9, 3)]),
        ("filed 2011-03-01 in Geneva", [D(2011, 3, 1)]),
        ("Rebels said on Monday and again on Wednesday", [D(2011, 3, 21), D(2011, 3, 23)]),
        ("Yesterday's raid; talks resume tomorrow", [D(2011, 3, 22), D(2011, 3, 24)]),
        ("last Wednesday and next Wednesday", [D(2011, 3, 16), D(2011, 3, 30)]),
        ("Back in December 30 rallies", [D(2010, 12, 30)]),  # nearest year to publication
        ("Posted March 21 , 2011 at 9:14 am | Reply", []),  # a time stamp, not an event
        ("In March the army moved; May was quiet; 30 February", []),
    ],
)
def test_parse_date_mentions(text, expected):
    assert te.parse_date_mentions(text, PUB) == expected


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
    assert te.select_dates(df, 1) == [D(2011, 3, 22)]  # 5 published vs 1 + 3 mentions
    assert te.select_dates(df, 2) == [D(2011, 3, 19), D(2011, 3, 22)]
    feats = te.date_features(df)
    assert feats.loc[D(2011, 3, 19), ["published", "mentioned_before"]].tolist() == [1, 3]
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
        scores = te.evaluate_dates(df, refs, methods=("pubmention", "pubcount"))
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
