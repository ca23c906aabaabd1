"""NPMI coherence as gensim computes it (``c_npmi``, boolean sliding window of 10), on a corpus
encoded once as integers.

gensim reads every token of every document through Python for each model scored (~8
minutes of a busy 2-core machine on ant-multisource's 30,000 articles). Here the corpus is
a :class:`TokenStream` (word ids, made once and kept by the pipeline), topic words are
located with numpy, and each word's windows are intervals: identical counts, so identical
scores (tested against gensim).

gensim's window counts, reproduced exactly: a document shorter than the window is one
window; a longer one has ``len - 9`` windows; the first window marks the words it holds,
and each step marks the word that enters at the right and *unmarks the word that left at
the left* even when another occurrence of it is still inside the window. A word's count is
the number of windows in which it is marked; a pair's, the windows in which both are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

WINDOW = 10
EPSILON = 1e-12  # gensim.topic_coherence.direct_confirmation_measure.EPSILON


@dataclass
class TokenStream:
    """A corpus's word streams as one array of word ids (``ids``, documents back to back,
    document ``d`` at ``ids[starts[d]:starts[d + 1]]``) over ``words``."""

    words: list[str]
    ids: np.ndarray
    starts: np.ndarray

    @classmethod
    def from_tokens(cls, tokens: Iterable[Sequence[str]]) -> TokenStream:
        """From word streams (lists of words), read once."""
        index: dict[str, int] = {}
        lengths: list[int] = []

        def words():
            for doc in tokens:
                lengths.append(len(doc))
                yield from doc

        ids = np.fromiter((index.setdefault(w, len(index)) for w in words()), dtype=np.int32)
        starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return cls(list(index), ids, starts)

    @classmethod
    def from_texts(cls, texts: Sequence[str], chunk: int = 2000) -> TokenStream:
        """From texts, each read as :func:`vectorize.analysis_tokens` reads it (normalised, no
        stop words removed), a chunk at a time."""
        from conflict_narratives.common.vectorize import analysis_tokens

        return cls.from_tokens(doc for s in range(0, len(texts), chunk)
                               for doc in analysis_tokens(texts[s:s + chunk]))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"words": np.array(self.words, dtype=str), "ids": self.ids,
                "starts": self.starts}

    @classmethod
    def from_arrays(cls, a) -> TokenStream:
        return cls([str(w) for w in a["words"]], np.asarray(a["ids"], dtype=np.int32),
                   np.asarray(a["starts"], dtype=np.int64))

    def merge(self, phrases: dict[tuple[int, ...], int]) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, starts)`` with each occurrence of a phrase (word ids → new id) made one
        token, longest phrase first, left to right (``evaluation.merge_phrases``)."""
        ids, starts = self.ids, self.starts
        if not phrases or not len(ids):
            return ids, starts
        doc_end = np.repeat(starts[1:], np.diff(starts))  # each position's document end
        best: dict[int, tuple[int, int]] = {}  # start -> (length, new id), longest wins
        for parts, new in sorted(phrases.items(), key=lambda kv: len(kv[0])):
            n = len(parts)
            hit = np.flatnonzero(ids[:len(ids) - n + 1] == parts[0])
            for k in range(1, n):
                hit = hit[ids[hit + k] == parts[k]]
            hit = hit[hit + n <= doc_end[hit]]
            best.update((int(p), (n, new)) for p in hit)
        keep = np.ones(len(ids), dtype=bool)
        merged = ids.copy()
        end = -1
        for p in sorted(best):
            if p < end:  # inside a phrase already merged
                continue
            n, new = best[p]
            merged[p] = new
            keep[p + 1:p + n] = False
            end = p + n
        kept_before = np.r_[0, np.cumsum(keep)]
        return merged[keep], kept_before[starts]


def _segments(positions: np.ndarray, doc: np.ndarray, starts: np.ndarray,
              offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The windows (as ``[begin, end)`` ranges of global window numbers) in which gensim
    marks a word occurring at ``positions`` (in documents ``doc``)."""
    length = (starts[1:] - starts[:-1])[doc]
    local = positions - starts[doc]
    base = offsets[doc]
    short = length <= WINDOW  # one window: the whole document
    short_docs = np.unique(doc[short])
    seg_b, seg_e = [offsets[short_docs]], [offsets[short_docs] + 1]
    lp, ld, lb = local[~short], doc[~short], base[~short]
    if len(lp):
        docs_, first = np.unique(ld, return_index=True)
        lnd = (length[~short])[first]
        init = np.minimum.reduceat(lp, first) < WINDOW if len(first) else np.array([], bool)
        bd = offsets[docs_]
        leave = lp <= (length[~short] - WINDOW - 1)
        enter = lp >= WINDOW
        # events: time, order (end < leave < set), value
        t = np.concatenate([bd, lb[leave] + lp[leave] + 1, lb[enter] + lp[enter] - WINDOW + 1,
                            bd + np.maximum(1, lnd - WINDOW + 1)])
        order = np.concatenate([np.full(len(bd), 2), np.ones(leave.sum(), int),
                                np.full(enter.sum(), 2), np.zeros(len(bd), int)])
        value = np.concatenate([init, np.zeros(leave.sum(), bool), np.ones(enter.sum(), bool),
                                np.zeros(len(bd), bool)])
        o = np.lexsort((order, t))
        t, value = t[o], value[o]
        last = np.r_[t[1:] != t[:-1], True]  # the state after all events at that time
        t, value = t[last], value[last]
        on = np.flatnonzero(value[:-1])
        seg_b.append(t[on])
        seg_e.append(t[on + 1])
    begin, end = np.concatenate(seg_b), np.concatenate(seg_e)
    o = np.argsort(begin, kind="stable")
    return begin[o], end[o]


class Windows:
    """gensim's windows over a (merged) stream: their number and, per word id, the windows in
    which it is marked."""

    def __init__(self, ids: np.ndarray, starts: np.ndarray, words: Sequence[int]):
        lengths = starts[1:] - starts[:-1]
        nwin = np.maximum(1, lengths - WINDOW + 1)
        self.n = int(nwin.sum())
        offsets = np.r_[0, np.cumsum(nwin)[:-1]]
        pos = np.flatnonzero(np.isin(ids, np.asarray(list(words), dtype=ids.dtype)))
        pos = pos[np.argsort(ids[pos], kind="stable")]  # grouped by word, in stream order
        cut = np.flatnonzero(np.diff(ids[pos])) + 1
        doc = np.searchsorted(starts, pos, side="right") - 1
        self.segments = {int(ids[g[0]]): _segments(g, d, starts, offsets)
                         for g, d in zip(np.split(pos, cut), np.split(doc, cut), strict=True)
                         if len(g)}

    def counts(self, words: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Each word's window count and each pair's co-occurrence count."""
        segs = [self.segments[w] for w in words]
        points = np.unique(np.concatenate([np.concatenate(s) for s in segs]))
        inside = np.empty((len(words), len(points) - 1), dtype=np.int64)
        for i, (b, e) in enumerate(segs):  # coverage of each elementary interval
            step = (np.bincount(np.searchsorted(points, b), minlength=len(points))
                    - np.bincount(np.searchsorted(points, e), minlength=len(points)))
            inside[i] = np.cumsum(step)[:-1] > 0
        widths = np.diff(points)
        return inside @ widths, (inside * widths) @ inside.T


def topic_npmi(topics: Sequence[Sequence[str]], stream: TokenStream) -> list[float]:
    """Each topic's NPMI (gensim ``c_npmi``: the mean over ordered pairs of its words found
    in the corpus; NaN for a topic with fewer than two); multi-word topic words count where
    they occur as a phrase (merged left to right, longest first)."""
    index = {w: i for i, w in enumerate(stream.words)}
    phrases, word_id = {}, {}
    for w in {w for t in topics for w in t}:
        parts = w.split()
        if len(parts) > 1:
            if all(p in index for p in parts):
                word_id[w] = phrases.setdefault(tuple(index[p] for p in parts),
                                                len(stream.words) + len(phrases))
        elif w in index:
            word_id[w] = index[w]
    ids, starts = stream.merge(phrases)
    windows = Windows(ids, starts, sorted(set(word_id.values())))
    scores = []
    for topic in topics:
        known = [word_id[w] for w in topic if word_id.get(w) in windows.segments]
        if len(known) < 2:
            scores.append(float("nan"))
            continue
        single, pair = windows.counts(known)
        num_docs = float(windows.n)
        sims = []
        for i in range(len(known)):
            for j in range(len(known)):
                if i == j:
                    continue
                co = pair[i, j] / num_docs
                ratio = np.log((co + EPSILON) / ((single[i] / num_docs) * (single[j] / num_docs)))
                sims.append(ratio / (-np.log(co + EPSILON)))
        scores.append(float(np.mean(sims)))
    return scores
