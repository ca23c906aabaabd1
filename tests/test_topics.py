"""Topics on a real slice of ant-multisource: Arabic words survive, results are data that
round-trip, the model reloads from safetensors, and two fits are identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import topics
from conflict_narratives.common import vectorize as tt
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.embeddings import embed_corpus
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.topics import evaluation as ev

pytestmark = pytest.mark.xdist_group("topics")


@pytest.fixture(scope="module")
def ant():
    df = Pipeline("ant-multisource").corpus
    df = df[df["text"].fillna("").str.len() > 200].sample(300, random_state=11)
    df = df.reset_index(drop=True)
    return df, embed_corpus(df, progress=False).matrix


@pytest.fixture(scope="module")
def fitted(ant):
    df, matrix = ant
    return topics.fit_topics(df, matrix, name="ant-slice")


def test_stop_words_are_normalised_and_cover_news_speak():
    stop = tt.stop_words()
    for word in ("قال", "وقال", "وأضاف", "وأكد", "مصادر", "وفقا", "أمس", "اليوم", "التي",
                 "في", "the", "and"):
        assert normalize_for_analysis(word) in stop, word
    assert "الموصل" not in stop and "داعش" not in stop
    vec = tt.make_vectorizer(10, min_df=1).fit(["وقال مسؤول إن القوات العراقيّة دخلت الموصل أمس"])
    vocab = set(vec.get_feature_names_out())
    assert {"الموصل", "العراقيه", "مسؤول"} <= vocab  # folded: ة -> ه, shadda gone
    assert not vocab & {"وقال", "امس", "ان"}


def test_english_news_speak_is_stopped_but_content_words_are_not():
    stop = tt.stop_words()
    assert {"said", "mr", "told", "year", "monday", "according"} <= stop
    assert not {"election", "minister", "army", "oil", "york"} & stop
    vec = tt.make_vectorizer(10, min_df=1).fit(["Mr Smith told reporters on Monday the army "
                                                 "said it had retaken the city, according to AP"])
    assert set(vec.get_feature_names_out()) >= {"army", "city", "retaken"}
    assert not set(vec.get_feature_names_out()) & {"mr", "told", "said", "monday"}


def test_vocabulary_counts_documents_like_a_fitted_vectorizer(ant):
    docs = tt.documents(ant[0])
    for ngrams in ((1, 2), (2, 3), (1, 1)):
        fitted = tt.make_vectorizer(len(docs), 3, ngrams).fit(docs)
        assert tt.fit_vocabulary(docs, 3, ngrams) == sorted(fitted.vocabulary_), ngrams
    with pytest.raises(ValueError, match="lower topics.min_df"):
        tt.fit_vocabulary(docs[:20], 50)


def test_min_df_above_the_number_of_topics_still_fits(ant):
    """BERTopic counts its vectorizer's min_df over one text per topic: min_df 8 with 3
    topics used to prune every word ("After pruning, no terms remain")."""
    df, matrix = ant
    settings = Settings.defaults().replace(
        {"topics": {"min_df": 8, "nr_topics": 3, "doc_map": {"enabled": False}}})
    _, result = topics.fit_topics(df, matrix, settings=settings, name="ant-slice")
    assert 1 <= result.n_topics <= 3
    assert all(len(words) == 10 for words in result.topic_words())


def test_scaling_with_corpus_size():
    assert topics.scaled_min_cluster_size(300) == 10
    assert topics.scaled_min_cluster_size(2000) == 22
    assert topics.scaled_min_cluster_size(31_500) == 89
    assert tt.scaled_min_df(50) == 2 and tt.scaled_min_df(31_500) == 32


def test_make_label_skips_repeated_parts():
    assert tt.make_label(["كوريا", "كوريا الشماليه", "الكوري", "بيونغ"]) == \
        "كوريا · كوريا الشماليه · الكوري"
    assert tt.make_label(["الولايات المتحده", "الولايات", "المتحده", "ترامب"], 2) == \
        "الولايات المتحده · ترامب"


def test_label_column_detection():
    assert topics.label_column(pd.DataFrame({"category": ["a", "b"], "text": ["", ""]})) == \
        "category"
    assert topics.label_column(pd.DataFrame({"labels": [0, 1], "text": ["", ""]})) is None
    settings = Settings.defaults().replace({"topics": {"label_column": "missing"}})
    with pytest.raises(ValueError, match="missing"):
        topics.label_column(pd.DataFrame({"text": [""]}), settings)


def test_english_preprocessing_would_delete_arabic_ours_keeps_it(fitted, ant):
    from bertopic import BERTopic

    stripped = BERTopic(language="english")._preprocess_text(np.array(["قال الرئيس"]))
    assert not any(ev.is_arabic_word(w) for w in stripped[0].split())  # why we configure it
    model, result = fitted
    assert model.language != "english"  # BERTopic keeps None when given an embedding model
    assert model._preprocess_text(np.array(["قال الرئيس"])) == ["قال الرئيس"]
    words = result.topic_words()
    assert result.n_topics >= 2
    assert ev.arabic_word_share(words) >= 0.95
    assert ev.stopword_share(words, tt.stop_words()) == 0.0
    assert all(any(ev.is_arabic_word(w) for w in lab.split(" · "))
               for lab in result.topic_info.query("topic != -1")["label"])


def test_result_tables_follow_the_contract(fitted, ant):
    df, _ = ant
    _, result = fitted
    dt = result.doc_topics
    assert list(dt.columns) == ["doc_id", "topic", "probability", "x", "y"]
    assert dt["doc_id"].tolist() == df["doc_id"].astype(str).tolist()
    assert np.isfinite(dt[["x", "y"]].to_numpy()).all()
    assert ev.outlier_share(dt["topic"]) < 0.05  # outliers reassigned by default
    info = result.topic_info.set_index("topic")
    assert info["size"].sum() == len(df)
    assert (dt["topic"].value_counts().sort_index() == info["size"].sort_index()).all()
    members = dt.groupby("topic")["doc_id"].apply(set)
    for t, row in info.iterrows():
        assert 0 < len(row["words"]) <= 10 and len(row["weights"]) == len(row["words"])
        assert set(row["representative_ids"]) <= members[t]
    tps = result.topics_per_source
    per_source = df["source"].value_counts()
    sums = tps.groupby("source")["count"].sum()
    assert (sums == per_source[sums.index]).all()
    assert np.allclose(tps.groupby("source")["share"].sum(), 1.0)
    n = result.n_topics
    assert result.linkage.shape == (n - 1, 4) and len(result.leaf_labels) == n
    assert {"Parent_ID", "Topics", "Distance"} <= set(result.hierarchy.columns)


def test_result_round_trips(fitted, tmp_path):
    _, result = fitted
    loaded = topics.TopicResult.load(result.save(tmp_path / "topics"))
    for table in ("doc_topics", "topic_info", "topics_per_source", "hierarchy"):
        pd.testing.assert_frame_equal(getattr(loaded, table), getattr(result, table))
    assert np.array_equal(loaded.linkage, result.linkage)
    assert loaded.leaf_labels == result.leaf_labels
    with pytest.raises(FileNotFoundError):
        topics.TopicResult.load(tmp_path / "nothing")


def test_model_reloads_from_safetensors(fitted, ant, tmp_path):
    df, matrix = ant
    model, result = fitted
    path = topics.save_model(model, tmp_path / "model")
    assert (path / "topic_embeddings.safetensors").is_file()
    assert not list(path.glob("*.pkl")) and not list(path.glob("*.pickle"))
    loaded = topics.load_model(path)
    for t in result.topic_info["topic"]:
        assert [tuple(p) for p in loaded.get_topic(t)] == list(model.get_topic(t)), t
    docs = tt.documents(df.head(20))
    # the fitted and the reloaded model assign alike (nearest topic embedding): any machine
    given, _ = loaded.transform(docs, matrix[:20])
    assert list(given) == list(model.transform(docs, matrix[:20])[0])
    new, _ = loaded.transform(docs)  # embeds with the restored backend
    assert len(new) == 20 and set(new) <= set(result.topic_info["topic"])
    again = loaded.embedding_model.embed_documents(docs)
    assert (np.sum(again * matrix[:20], axis=1) > 0.95).all()  # the corpus's own model
    # quality, loose enough for any machine's clusters (0.95 where it was written): the
    # nearest-topic rule mostly agrees with the fit's assignments
    nearest, _ = model.transform(tt.documents(df), matrix)
    assert (np.asarray(nearest) == result.doc_topics["topic"].to_numpy()).mean() >= 0.6
    vec = loaded.vectorizer_model
    assert vec.build_analyzer()("أكَّدَ قائدُ الجيشِ") == vec.build_analyzer()("اكد قائد الجيش")


def test_two_fits_are_identical(fitted, ant):
    df, matrix = ant
    _, first = fitted
    _, second = topics.fit_topics(df, matrix, name="ant-slice")
    pd.testing.assert_frame_equal(first.doc_topics, second.doc_topics)
    pd.testing.assert_frame_equal(first.topic_info, second.topic_info)


def test_fit_rejects_misaligned_input(ant):
    df, matrix = ant
    with pytest.raises(ValueError, match="embeddings"):
        topics.fit_topics(df, matrix[:-1])


def test_display_forms_restore_the_common_spelling():
    texts = ["زار وفد السعودية الموصل", "السعودية والعراق", "قالت السعوديه", "الأمم المتحدة"]
    spelled = tt.spellings(texts)
    forms = tt.display_forms({"السعوديه", "الموصل", "الامم المتحده", "غائب"}, spelled)
    assert forms["السعوديه"] == "السعودية"  # the majority spelling, not the analysis form
    assert forms["الامم المتحده"] == "الأمم المتحدة"  # bigram parts mapped one by one
    assert forms["غائب"] == "غائب"  # never seen: kept as is
    assert "الموصل" not in spelled  # spelled as its analysis form: nothing kept
    assert tt.spellings(["Syria and syria", "SYRIA Syria"]) == {"syria": "Syria"}  # most frequent


def test_labels_use_display_spellings(fitted):
    _, result = fitted
    info = result.topic_info.query("topic != -1")
    pairs = list(zip(info["display_words"], info["words"], strict=True))
    assert all(len(d) == len(w) for d, w in pairs)
    assert all(normalize_for_analysis(d) == w
               for ds, ws in pairs for d, w in zip(ds, ws, strict=True))
    # a label is made of its topic's display words (those of several documents first)
    assert all(set(lab.split(" · ")) <= set(ds)
               for lab, ds in zip(info["label"], info["display_words"], strict=True))
    # folding (ة -> ه, أ -> ا, ...) touches most Arabic words: some display form is restored,
    # whichever words the clusters give
    assert any(d != w for ds, ws in pairs for d, w in zip(ds, ws, strict=True))


def test_labels_lead_with_words_of_several_documents_and_junk_is_explained(fitted, ant):
    df, _ = ant
    _, result = fitted
    docs = [set(tt.tokenize(tt.prepare(d))) for d in tt.documents(df)]
    topic_of = result.doc_topics["topic"].to_numpy()
    for _, row in result.topic_info.query("topic != -1").iterrows():
        assert row["junk"] == bool(row["junk_reason"])
        lead = normalize_for_analysis(row["label"].split(" · ")[0]).split()
        holding = sum(set(lead) <= docs[i] for i in np.flatnonzero(topic_of == row["topic"]))
        assert holding >= 2 or row["junk"]
