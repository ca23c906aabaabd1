"""The pieces of a living topic model on small hand-made inputs: the duplicate index, the far
rule, refit matching, curation files, emerging candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.corpus.dedup import DuplicateIndex
from conflict_narratives.topics import TopicResult
from conflict_narratives.topics.assign import far_from_topics, topic_centroids
from conflict_narratives.topics.curation import apply_curation, load_curation, parse_curation
from conflict_narratives.topics.emerging import advance_pool, update_candidates
from conflict_narratives.topics.matching import carry_over, match_topics

RNG = np.random.default_rng(0)


def unit(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def blobs(centres, n, noise=0.05, ids=None):
    """``n`` documents around each centre; returns (topics, vectors, doc ids)."""
    topics = np.repeat(np.arange(len(centres)), n)
    vectors = unit(np.repeat(centres, n, axis=0) + noise * RNG.normal(size=(len(topics),
                                                                            centres.shape[1])))
    return topics, vectors, ids if ids is not None else [f"d{i}" for i in range(len(topics))]


def result(topics, vectors, ids, words):
    info = pd.DataFrame({"topic": sorted(set(topics)), "size": np.bincount(topics),
                         "label": [" · ".join(w[:3]) for w in words], "words": words,
                         "weights": [[1.0] * len(w) for w in words],
                         "display_words": words, "representative_ids": [[] for _ in words]})
    dt = pd.DataFrame({"doc_id": ids, "topic": topics, "probability": 1.0, "x": 0.0, "y": 0.0})
    tps = pd.DataFrame({"topic": sorted(set(topics)), "source": "s",
                        "count": np.bincount(topics), "share": np.bincount(topics) / len(ids),
                        "words": ""})
    return TopicResult(dt, info, tps, pd.DataFrame(), np.zeros((0, 4)),
                       info["label"].tolist(), {}, topic_centroids(topics, vectors))


CENTRES = unit(np.eye(6, 16))
WORDS = [["الغوطة الشرقية", "الغوطه", "دمشق"], ["اليمن", "الحديدة", "الحوثي"],
         ["ترامب", "كيم", "قمة"], ["كوريا الشمالية", "كوريا", "بيونغ"], ["عفرين", "تركيا", "الكرد"],
         ["ادلب", "حماة", "الفصائل"]]


def test_duplicate_index_is_stable_across_calls_and_round_trips():
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(RNG.choice(words, 120)) for _ in range(30)]
    index = DuplicateIndex.build(texts)
    again = DuplicateIndex.from_frame(index.to_frame(), 0.9)  # as read back from Parquet
    near = texts[4].split()
    near[60] = "changed"
    new = [texts[3], " ".join(near), " ".join(RNG.choice(words, 120))]
    found = again.query(new, lambda pos: texts[pos])  # hashed in another call
    assert {(r.index, r.duplicate_of, r.kind) for r in found.itertuples()} == \
        {(0, 3, "exact"), (1, 4, "near")}
    assert len(index.extend(new)) == 33


def test_far_rule_is_relative_to_each_topic():
    topics, vectors, _ = blobs(CENTRES[:2], 40)
    cents = topic_centroids(topics, vectors)
    member = cents["spread"].iloc[0]
    assert member[0] <= member[50] <= member[100]  # percentiles
    sims = np.array([member[50], member[1] - 0.01])
    assert far_from_topics(np.array([0, 0]), sims, cents, 0.05).tolist() == [False, True]
    with pytest.raises(ValueError, match="spread"):
        far_from_topics(np.array([0]), sims[:1], cents.drop(columns="spread"), 0.05)


def test_refit_matching_names_kept_merged_split_new_gone():
    ids = [f"d{i}" for i in range(240)]
    t_old, v_old, _ = blobs(CENTRES[:4], 60, ids=ids)
    old = result(t_old, v_old, ids, WORDS[:4])
    old.topic_info.loc[0, "label"] = "Eastern Ghouta"  # the analyst's name
    # the refit: topic 0 kept (as id 3), 1 and 2 merged, 3 split in two, one new topic
    even = np.arange(240) % 2 == 0
    t_new = np.select([t_old == 0, np.isin(t_old, [1, 2]), (t_old == 3) & even],
                      [3, 0, 1], 2)
    t_new = np.concatenate([t_new, np.full(30, 4)])
    v_new = np.vstack([v_old, unit(CENTRES[5] + 0.05 * RNG.normal(size=(30, 16)))])
    new = result(t_new, v_new, ids + [f"n{i}" for i in range(30)],
                 [WORDS[1], WORDS[3], WORDS[3], WORDS[0], WORDS[5]])
    table = match_topics(old, new, min_similarity=0.6, min_share=0.2)
    status = {(r.old_topic if pd.notna(r.old_topic) else None,
               r.new_topic if pd.notna(r.new_topic) else None): r.status
              for r in table.itertuples()}
    assert status[(0, 3)] == "kept"
    assert {status.get((1, 0)), status.get((2, 0))} == {"kept", "merged"}
    assert {status.get((3, 1)), status.get((3, 2))} == {"kept", "split"}
    assert status[(None, 4)] == "new"
    carried = carry_over(old, new, table)
    labels = carried.labels()
    assert labels[0] == "Eastern Ghouta"  # kept topic: old id and the analyst's name
    fresh = sorted(set(carried.topic_info["topic"]) - {0, 1, 2, 3})
    assert fresh and min(fresh) >= 4 and carried.meta["next_topic"] > max(fresh)
    moved = carried.doc_topics.set_index("doc_id")["topic"]
    assert (moved[ids[:60]] == 0).all()  # the kept topic's documents under its old id


def test_curation_labels_merges_hides_by_words_and_numbers():
    topics, vectors, ids = blobs(CENTRES[:5], 20)
    res = result(topics, vectors, ids, WORDS[:5])
    cur = parse_curation({"labels": [{"match": ["الغوطة"], "label": "Eastern Ghouta"},
                                     {"match": 4, "label": "Afrin"}],
                          "merge": [{"match": [["ترامب"], ["كوريا الشماليه"]],
                                     "label": "Korean summit"}],
                          "hide": [["الحوثي"]]})
    out = apply_curation(res, cur)
    labels = out.labels()
    assert labels[0] == "Eastern Ghouta" and labels[4] == "Afrin"  # any spelling: ة/ه
    assert labels[2] == "Korean summit" and 3 not in labels
    assert (out.doc_topics["topic"] == 2).sum() == 40 and out.topic_info["size"].sum() == 100
    assert out.topic_info.set_index("topic")["hidden"].to_dict()[1]
    assert out.topic_info.set_index("topic").loc[0, "auto_label"] == res.labels()[0]
    assert len(out.centroids) == 4


def test_curation_errors_are_clear(tmp_path):
    topics, vectors, ids = blobs(CENTRES[:2], 10)
    res = result(topics, vectors, ids, WORDS[:2])
    with pytest.raises(ValueError, match=r"labels\[0\]: \[حلب\] matches no topic"):
        apply_curation(res, parse_curation({"labels": [{"match": "حلب", "label": "x"}]}))
    with pytest.raises(ValueError, match="nearest: 0"):
        apply_curation(res, parse_curation({"hide": [["دمشق", "حلب"]]}))
    for bad, message in [({"labels": [{"match": 1}]}, "expected keys"),
                         ({"lables": []}, "unknown section"),
                         ({"merge": [{"match": [1]}]}, "at least two"),
                         ({"hide": [True]}, "topic number or a list of words")]:
        with pytest.raises(ValueError, match=message):
            parse_curation(bad, "c.yaml")
    path = tmp_path / "c.yaml"
    path.write_text("labels: [unclosed", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_curation(path)
    assert not load_curation(tmp_path / "none.yaml")  # no file: nothing to apply


SETTINGS = {"similarity": 0.5, "min_docs": 5, "grow_updates": 2, "window_days": 30,
            "n_words": 5, "n_headlines": 2}


def _docs(n, start, update, topic):
    return pd.DataFrame({"doc_id": [f"u{update}-{topic}-{i}" for i in range(n)],
                         "date": pd.Timestamp(start, tz="UTC"), "date_status": "ok",
                         "source": "s", "title": [f"{topic} story {i}" for i in range(n)],
                         "text": [f"{topic} عفرين تركيا story words {i}" for i in range(n)]})


def test_candidates_are_followed_and_emerge_when_they_keep_growing():
    story = unit(CENTRES[5])
    pool = vec = prev = None
    statuses = []
    for update, day in ((1, "2018-08-01"), (2, "2018-08-08"), (3, "2018-08-15")):
        docs = pd.concat([_docs(6, day, update, "story"), _docs(1, day, update, "noise")])
        vectors = unit(np.vstack([story + 0.1 * RNG.normal(size=(6, 16)),
                                  RNG.normal(size=(1, 16))]))
        pool, vec, prev = advance_pool(pool, vec, prev, docs, vectors, update=update,
                                       now=pd.Timestamp(day, tz="UTC"), settings=SETTINGS)
        statuses.append(prev[["candidate", "status", "n_docs"]].values.tolist())
    assert statuses[0] == [[0, "new", 6]]
    assert statuses[1] == [[0, "emerging", 12]]  # same id, grew again
    assert statuses[2] == [[0, "emerging", 18]]
    # a quiet update: it stops growing; after the window its documents leave the pool
    quiet = _docs(1, "2018-08-22", 4, "noise")
    _, _, after = advance_pool(pool, vec, prev, quiet, unit(RNG.normal(size=(1, 16))),
                               update=4, now=pd.Timestamp("2018-08-22", tz="UTC"),
                               settings=SETTINGS)
    assert after["status"].tolist() == ["quiet"]
    late = pd.Timestamp("2018-10-01", tz="UTC")
    p, _, gone = advance_pool(pool, vec, prev, quiet, unit(RNG.normal(size=(1, 16))),
                              update=5, now=late, settings=SETTINGS)
    assert gone.empty and len(p) == 1


def test_candidate_words_and_headlines():
    docs = _docs(6, "2018-08-01", 1, "afrin")
    vectors = unit(CENTRES[4] + 0.05 * RNG.normal(size=(6, 16)))
    docs = docs.assign(update=1)
    pool, table = update_candidates(docs, vectors, None, update=1, settings=SETTINGS)
    row = table.iloc[0]
    assert {"afrin", "عفرين"} & set(row["words"]) and len(row["headlines"]) == 2
    assert row["outlets"] == ["s (6)"] and str(row["first_seen"].date()) == "2018-08-01"


def test_an_anchored_label_stays_with_its_documents_when_its_word_moves():
    """The refit in #24, constructed: the word an analyst named topic 0 by ("children") is
    now among the words of the car-bomb topic, while topic 0's documents stayed together.
    The label stays with the documents; the conflict is reported, not followed."""
    words = [["children", "regime", "homs"], ["damascus", "bomb", "car"], ["islamic", "state"]]
    topics, vectors, ids = blobs(CENTRES[:3], 30)
    first = result(topics, vectors, ids, words)
    cur = parse_curation({"labels": [{"match": ["children"], "label": "Children in Homs"}],
                          "hide": [["islamic"]]})
    named = apply_curation(first, cur)
    anchors = named.meta["curation"]["anchors"]
    assert named.labels()[0] == "Children in Homs" and not named.meta["curation"]["conflicts"]
    assert set(anchors) == {'label:["children"]', 'hide:["islamic"]'}
    assert sorted(anchors['label:["children"]']["doc_ids"]) == sorted(ids[:30])
    moved = [["regime", "homs", "siege"], ["damascus", "bomb", "children"], ["islamic", "state"]]
    refit = result(topics, vectors, ids, moved)
    out = apply_curation(refit, cur, anchors=anchors)
    assert out.labels()[0] == "Children in Homs" and out.labels()[1] == "damascus · bomb · children"
    (conflict,) = out.meta["curation"]["conflicts"]
    assert conflict["kind"] == "words" and (conflict["topic"], conflict["words_topic"]) == (0, 1)
    assert "now points to topic 1" in conflict["detail"]
    assert apply_curation(refit, cur).labels()[1] == "Children in Homs"  # words alone: moved


def test_anchored_entries_through_split_merge_and_gone():
    words = [["children", "homs"], ["damascus", "bomb"], ["islamic", "state"], ["oil", "opec"]]
    topics, vectors, ids = blobs(CENTRES[:4], 30)
    cur = parse_curation({"labels": [{"match": ["children"], "label": "Homs"},
                                     {"match": ["damascus"], "label": "Car bombs"},
                                     {"match": ["islamic"], "label": "ISIS"},
                                     {"match": ["oil"], "label": "Oil"}]})
    anchors = apply_curation(result(topics, vectors, ids, words), cur).meta["curation"][
        "anchors"]
    # topic 0 splits 2:1 (its larger part stays topic 0), 1 and 2 merge into 1, 3 is gone
    # (its documents are outliers now), and "oil" names the split-off part
    refit = [{0: 0 if i % 3 else 4, 1: 1, 2: 1, 3: -1}[t] for i, t in enumerate(topics)]
    kept = np.array(refit) != -1
    dense = np.searchsorted([0, 1, 4], np.array(refit)[kept])
    refit_result = result(dense, vectors[kept], np.array(ids)[kept].tolist(),
                          [["homs", "siege"], ["damascus", "islamic"], ["oil", "children"]])
    refit_result.topic_info["topic"] = [0, 1, 4]
    refit_result.centroids["topic"] = [0, 1, 4]
    refit_result.doc_topics = pd.DataFrame({"doc_id": ids, "topic": refit})
    out = apply_curation(refit_result, cur, anchors=anchors)
    kinds = {(c["entry"].split(": ")[-1], c["kind"]) for c in out.meta["curation"]["conflicts"]}
    assert ("labels[0]", "split") in kinds and ("labels[3]", "gone") in kinds
    assert ("labels[1]", "merged") in kinds and ("labels[2]", "merged") in kinds
    assert ("labels[0]", "words") in kinds  # "children" is now a word of the split-off part
    labels = out.labels()
    assert labels[0] == "Homs"  # the part holding most of its documents
    assert labels[1] in {"Car bombs", "ISIS"}  # merged: one name, the conflict says which
    assert labels[4] == "Oil"  # gone: its words name a topic again, a fresh anchor
    assert out.meta["curation"]["anchors"]['label:["oil"]']["topic"] == 4
    assert all(c["detail"].startswith("curation: labels[") for c in
               out.meta["curation"]["conflicts"])
