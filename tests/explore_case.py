"""A small constructed corpus with a topic result and events, for the explore tests: three
topics in three places, Arabic and English, two outlets, dated over two months."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store
from conflict_narratives.timelines import TimelineResult
from conflict_narratives.topics import TopicResult

START = pd.Timestamp("2018-02-01", tz="UTC")
# topic 0: Ghouta, written with ta marbuta (ة), some with diacritics or a hamza on the alef
GHOUTA = ["قصف جديد على الغوطة الشرقية", "أهالي الغوطة يفرون من القصف ٣ مرات",
          "مساعدات إلى الغُوطة المحاصرة", "إجلاء جرحى من غوطة دمشق إلى ﺍﻟﻤﺴﺘﺸﻔﻰ"]
OTHER_AR = ["انتخابات برلمانية في العراق", "محادثات السلام في جنيف", "أسعار النفط ترتفع"]
ENGLISH = ["Talks resume in Geneva", "Oil prices climb again", "Elections called in Iraq"]


AR_WORDS = "قال مصدر المدينة الجيش المدنيين الحكومة المعارضة الأمم المتحدة اليوم شهود".split()
EN_WORDS = "said source city army civilians government opposition united nations today".split()


def corpus(n: int = 60) -> pd.DataFrame:
    """``n`` documents, each of topic ``i % 3``, dated a day apart; bodies of distinct
    sentences (so the loader keeps every one)."""
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n):
        topic = i % 3
        title = [GHOUTA, OTHER_AR, ENGLISH][topic][i // 3 % [4, 3, 3][topic]]
        lang = "en" if topic == 2 else "ar"
        words = EN_WORDS if lang == "en" else AR_WORDS
        body = "\n".join(" ".join(rng.choice(words, 14)) + f" {i}{k}." for k in range(3))
        rows.append({"doc_id": f"d{i:03d}", "title": f"{title} {i}", "text": f"{title}. {body}",
                     "source": ["Al Jazeera", "BBC Arabic"][i % 2], "lang": lang,
                     "date": START + pd.Timedelta(days=i)})
    return pd.DataFrame(rows)


def topic_result(docs: pd.DataFrame) -> TopicResult:
    rng = np.random.default_rng(0)
    topic = np.arange(len(docs)) % 3
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 9.0]])
    xy = centres[topic] + rng.normal(scale=0.8, size=(len(docs), 2))
    doc_topics = pd.DataFrame({"doc_id": docs["doc_id"], "topic": topic, "probability": 1.0,
                               "x": xy[:, 0], "y": xy[:, 1]})
    words = [["الغوطة", "قصف", "دمشق"], ["العراق", "جنيف", "النفط"], ["talks", "oil", "iraq"]]
    info = pd.DataFrame({"topic": [0, 1, 2], "size": np.bincount(topic),
                         "label": ["0_الغوطة_قصف", "1_العراق_جنيف", "2_talks_oil"],
                         "words": words, "weights": [[0.3, 0.2, 0.1]] * 3,
                         "display_words": words, "representative_ids": [["d000"]] * 3})
    return TopicResult(doc_topics, info, pd.DataFrame(), pd.DataFrame(), np.zeros((0, 4)), [])


def timeline_result() -> TimelineResult:
    """One burst of topic 0 from day 10 to day 29 and one story of topic 1 on days 40-49."""
    events = pd.DataFrame({
        "date": [START + pd.Timedelta(days=15), START + pd.Timedelta(days=43)],
        "start": [START + pd.Timedelta(days=10), START + pd.Timedelta(days=40)],
        "end": [START + pd.Timedelta(days=29), START + pd.Timedelta(days=49)],
        "topic": [0, 1], "label": ["الغوطة قصف", "العراق جنيف"], "n_docs": [7, 3],
        "summary": ["قصف جديد على الغوطة الشرقية", "محادثات السلام في جنيف"],
        "level": ["topic", "story"]})
    empty = pd.DataFrame()
    return TimelineResult(empty, empty, empty, empty, events)


def settings(**explore) -> Settings:
    return Settings.load("case").replace({"explore": explore}) if explore else \
        Settings.load("case")


def planted(root, n: int = 60) -> Pipeline:
    """A pipeline over the constructed corpus of ``n`` documents in a throw-away project at
    ``root``, its topic and timeline results saved under their keys, as a fit would leave
    them."""
    store = Store(root)
    run = Pipeline(corpus(n), name="case", store=store)
    run.load()
    for stage, result in (("topics", topic_result(run.corpus)), ("timelines", timeline_result())):
        key = run.key(stage)
        path = store.stage_dir("case", stage, key)
        result.save(path)
        store.mark(path, key, {"planted": True}, 0.0)
    return run
