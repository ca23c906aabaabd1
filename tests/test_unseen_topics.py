"""Topic words and topics on unseen shapes (issue 16): stop words for every detected
language, outlets' names and social-media tokens kept out of topic words, catch-all
clusters split, long texts embedded in windows of bounded size."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from conflict_narratives import embeddings as emb
from conflict_narratives.common import vectorize as tt
from conflict_narratives.common.stopwords import corpus_languages, outlet_words, stop_words
from conflict_narratives.corpus.loader import load_corpus
from conflict_narratives.embeddings.views import doc_units, windows
from conflict_narratives.settings import Settings
from conflict_narratives.topics import evaluation as ev
from conflict_narratives.topics import label_column
from conflict_narratives.topics.clustering import SplittingHDBSCAN

UNSEEN = Path(__file__).parent / "fixtures" / "corpus" / "unseen"


@pytest.fixture(scope="module")
def esfrit():
    return load_corpus(UNSEEN / "news_esfrit.csv").corpus


def test_stop_words_follow_the_detected_languages(esfrit):
    docs = tt.documents(esfrit)
    assert corpus_languages(esfrit) == ("es", "fr", "it")
    stop = tt.corpus_stop_words(esfrit, docs)
    # the words that headed the es/fr/it topics of issue 16
    assert {"la", "el", "que", "en", "los", "et", "les", "le", "est", "di", "des"} <= stop
    assert {"segun", "lundi", "secondo", "dichiarato"} <= stop  # news-speak, folded
    assert not {"la", "el", "que", "les", "di"} & stop_words()  # not for an English corpus
    assert {"onu", "civiles", "combats", "fuoco"}.isdisjoint(stop)
    vocab = set(tt.fit_vocabulary(docs, 2, (1, 1), stop))
    assert {"onu", "civiles", "combats"} <= vocab and not {"la", "et", "di"} & vocab
    # stopword_share is measured against the same lists
    assert ev.stopword_share([["la el que libia en los"]], stop) == 1.0
    assert label_column(esfrit) == "topic"


def test_mentions_addresses_links_and_rt_are_no_topic_words():
    docs = ["RT @ansar_media: fighters entered Raqqa https://t.co/x1 via @battar_en",
            "@umm_sumayyah fighters entered Raqqa, write to jdoe@cs.example.edu",
            "fighters entered Raqqa bit.ly/3abc www.example.org/page"] * 2
    vec = tt.make_vectorizer(len(docs), min_df=1, ngram_range=(1, 1)).fit(docs)
    vocab = set(vec.get_feature_names_out())
    assert {"fighters", "entered", "raqqa"} <= vocab
    assert not vocab & {"rt", "ansar_media", "ansar", "media", "battar", "umm", "sumayyah",
                        "jdoe", "cs", "example", "edu", "co", "ly", "abc", "via", "www"}


def test_an_outlet_naming_itself_is_stopped_a_shared_word_is_not():
    body = ["army shells the northern villages", "aid convoy reaches the besieged town",
            "ceasefire talks resume in the capital"]
    docs = [f"Radio Sawt al-Sham news: {b}. Syrian sources confirm." for b in body * 10]
    docs += [f"{b}, Syrian officials said." for b in body * 10]
    df = pd.DataFrame({"text": docs, "source": ["Radio Sawt al-Sham"] * 30 +
                       ["Syrian Observer"] * 30})
    words = outlet_words(df, docs)
    assert {"radio", "sawt", "sham"} <= words
    assert "syrian" not in words and "observer" not in words  # both outlets write "Syrian"
    one = outlet_words(df.iloc[:30], docs[:30])  # a corpus of one station
    assert {"radio", "sawt"} <= one


def catch_all_data():
    """Four overlapping blobs that HDBSCAN keeps as one cluster of 89%, two far ones."""
    rng = np.random.default_rng(0)
    centres = [[0, 0], [1.6, 0], [0, 1.6], [1.6, 1.6]]
    big = np.concatenate([rng.normal(c, 0.35, (200, 2)) for c in centres])
    small = np.concatenate([rng.normal(c, 0.3, (50, 2)) for c in ([12, 12], [-12, 12])])
    truth = np.repeat(np.arange(6), [200, 200, 200, 200, 50, 50])
    return np.concatenate([big, small]), truth


def test_catch_all_cluster_is_split():
    x, truth = catch_all_data()
    plain = SplittingHDBSCAN(min_cluster_size=20, max_share=None, max_spread_ratio=None).fit(x)
    assert np.bincount(plain.labels_[plain.labels_ >= 0]).max() == 800  # the catch-all
    split = SplittingHDBSCAN(min_cluster_size=20, max_share=0.3).fit(x)
    sizes = np.bincount(split.labels_[split.labels_ >= 0])
    assert sizes.max() / len(x) <= 0.3 and split.splits_[0]["parts"] == 4
    assert adjusted_rand_score(truth, split.labels_) > 0.9
    assert adjusted_rand_score(truth, plain.labels_) < 0.3


def test_a_cluster_without_parts_is_left_whole():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (600, 2)), rng.normal(20, 1, (100, 2))])
    fit = SplittingHDBSCAN(min_cluster_size=30, max_share=0.3).fit(x)
    sizes = np.bincount(fit.labels_[fit.labels_ >= 0])
    assert len(sizes) >= 2 and fit.splits_ and all(s["share"] > 0.3 for s in fit.splits_)


class Recording(emb.Backend):
    """A backend that records the longest text it was given."""

    name = "recording"
    longest = 0

    @property
    def id(self):
        return "recording"

    def _encode(self, texts):
        Recording.longest = max(Recording.longest, *map(len, texts))
        return np.array([[len(t), t.count("a") + 1.0] for t in texts], dtype=np.float32)


def test_long_texts_are_embedded_in_bounded_windows(tmp_path):
    giant = " ".join(["alpha beta gamma"] * 140_000)  # 2.38 M characters
    pieces = windows(giant, 20_000)
    assert max(map(len, pieces)) <= 20_000 and len(pieces) <= -(-len(giant) // 20_000) + 1
    assert " ".join(pieces) == giant  # cut at spaces, nothing lost
    assert max(map(len, pieces)) - min(map(len, pieces)) < 400  # ~equal weights in the mean
    df = pd.DataFrame({"doc_id": ["long", "short"], "text": [giant, "a short text"]})
    assert [len(u) for u in doc_units(df, "full", window_chars=20_000)] == [len(pieces), 1]
    settings = Settings.defaults()
    res = emb.embed_corpus(df, backend=Recording(), settings=settings, progress=False,
                           cache_dir=tmp_path)
    assert Recording.longest <= settings["embeddings"]["window_chars"]
    assert res.matrix.shape == (2, 2) and res.stats["n_windowed"] == 1
