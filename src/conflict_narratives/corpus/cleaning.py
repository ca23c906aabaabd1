"""The corpus stage's text steps on the mapped table: posts' mail headers, wire-copy header
lines, display cleaning, source boilerplate, and the rejection of texts too empty or too
short to analyse. Each step edits the table in place and returns what it did, for the load
report."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from conflict_narratives.common import markup
from conflict_narratives.common.textnorm import clean_text, looks_ptb, parse_header
from conflict_narratives.corpus.accounting import Rejects
from conflict_narratives.corpus.boilerplate import remove_boilerplate
from conflict_narratives.corpus.mail import split_post

_LETTER = re.compile(r"[^\W\d_]")
_NO_SOURCE = "\0none"


def as_text(values: pd.Series) -> pd.Series:
    """Strings with None for missing/blank values (numbers become their plain text)."""
    s = values.astype("string").str.strip()
    return s.where(s != "")


def apply_posts(df: pd.DataFrame) -> dict:
    """Mail/Usenet headers, attributions and signatures off posts' text (see
    :mod:`~conflict_narratives.corpus.mail`); the subject fills an empty title, the
    sender an empty author."""
    candidates = df.index[df["text"].str[:80].str.contains(":", regex=False, na=False)]
    posts = signatures = 0
    for i in candidates:
        post, body = split_post(df.at[i, "text"])
        if post is None:
            continue
        posts += 1
        signatures += post.signature
        df.at[i, "text"] = body
        for fld, value in (("title", post.subject), ("author", post.sender)):
            if value and pd.isna(df.at[i, fld]):
                df.at[i, fld] = value
    return {"mail_headers_removed": posts, "signatures_removed": signatures}


def find_headers(df: pd.DataFrame) -> tuple[dict, Counter, Counter]:
    """Seed-style header lines (``outlet | place – country (author)``) at the top of the
    texts: ``(found: row -> (header, body), hits per group, documents with text per
    group)``; the counts of a corpus's parts add up."""
    groups = df["source"].astype(object).where(df["source"].notna(), _NO_SOURCE)
    sizes = Counter(groups[df["text"].fillna("").str.strip() != ""].tolist())
    candidates = df.index[df["text"].str[:300].str.contains("|", regex=False, na=False)]
    found = {}
    for i in candidates:
        header, body = parse_header(df.at[i, "text"])
        if header is not None:
            found[i] = (header, body)
    return found, Counter(groups.loc[list(found)].tolist()), sizes


def wire_groups(hits: Counter, sizes: Counter, min_share: float = 0.5) -> set:
    """The groups (sources) where at least ``min_share`` of the documents open with a
    header line: that is what wire copy looks like, while a tweet or a forum post whose
    first line happens to hold a bar keeps it."""
    return {g for g, n in hits.items() if n >= min_share * sizes.get(g, 0)}


def use_headers(df: pd.DataFrame, found: dict, wire: set) -> int:
    """The header lines ``found`` in the ``wire`` groups parsed off the text, filling
    source/place/author where empty; returns how many."""
    parsed = 0
    for i, (header, body) in found.items():
        source = df.at[i, "source"]
        if (_NO_SOURCE if pd.isna(source) else source) not in wire:
            continue
        parsed += 1
        df.at[i, "text"] = body
        for fld in ("source", "place", "author"):
            value = getattr(header, fld)
            if value and pd.isna(df.at[i, fld]):
                df.at[i, fld] = value
    return parsed


def header_summary(parsed: int, found: int, sizes: Counter) -> dict:
    n = int(sum(sizes.values()))
    return {"header_lines_parsed": parsed, "header_lines_skipped": found - parsed,
            "header_hit_rate": round(found / n, 4) if n else 0.0}


def apply_headers(df: pd.DataFrame, min_share: float = 0.5) -> dict:
    """Parse header lines off the text in the sources that look like wire copy
    (:func:`find_headers`, :func:`wire_groups`, :func:`use_headers`)."""
    found, hits, sizes = find_headers(df)
    parsed = use_headers(df, found, wire_groups(hits, sizes, min_share))
    return header_summary(parsed, len(found), sizes)


def ptb_votes(texts: pd.Series) -> list[bool]:
    """Whether each of the first 500 texts carries PTB tokenisation markers."""
    return [looks_ptb(t) for t in texts.dropna().head(500)]


def corpus_looks_ptb(texts: pd.Series, votes: list[bool] | None = None) -> bool:
    """True when most documents (the first 500: ``votes``, else :func:`ptb_votes`) carry
    PTB tokenisation markers."""
    votes = ptb_votes(texts) if votes is None else votes[:500]
    return bool(len(votes)) and sum(votes) >= 0.5 * len(votes)


def clean_columns(df: pd.DataFrame, ptb: bool) -> Counter:
    """Display cleaning of the text and the short text fields; returns the documents whose
    text held each kind of markup, code or glue (:data:`markup.KINDS`) taken out."""
    found: Counter = Counter()
    df["text"] = pd.Series([clean_text(t, ptb=ptb, found=found) for t in df["text"].fillna("")],
                           index=df.index, dtype="string")
    for col in ("title", "source", "author", "place"):
        df[col] = as_text(df[col].map(lambda v: clean_text(v, ptb=ptb), na_action="ignore"))
    return found


def markup_summary(found: Counter) -> dict:
    """The load report's documents per kind of markup removed, every kind listed."""
    return {k: int(found.get(k, 0)) for k in markup.KINDS}


def strip_boilerplate(df: pd.DataFrame, cs) -> dict:
    """Remove each source's boilerplate (settings ``corpus.boilerplate``; ``min_docs: 0``
    turns it off)."""
    cfg = cs.get("boilerplate") or {}
    min_docs = int(cfg.get("min_docs", 10))
    if min_docs <= 0:
        return {"segments": 0, "documents": 0, "chars_removed": 0, "examples": []}
    df["text"], summary = remove_boilerplate(
        df["text"], df["source"], min_docs=min_docs, min_share=float(cfg.get("min_share", 0.05)))
    return summary


def reject_unusable(df: pd.DataFrame, rej: Rejects, min_letters: int) -> pd.DataFrame:
    """Reject texts that are empty (``empty_text``) or have fewer than ``min_letters``
    letters (``too_short``: "Array", a bare name); returns the rest."""
    text = df["text"].fillna("")
    empty = text == ""
    if empty.any():
        raw_blank = df.loc[empty, "raw_text"].fillna("").str.strip() == ""
        details = np.where(raw_blank, "no text",
                           "nothing left after cleaning (markup, links, boilerplate)")
        rej.add(df.index[empty], df.loc[empty, "doc_id"].tolist(), "empty_text", list(details))
    short_idx, details = [], []
    if min_letters > 0:
        maybe = df.index[~empty & (text.str.len() < 1000)]  # longer texts have letters
        for i in maybe:
            n = len(_LETTER.findall(df.at[i, "text"]))
            if n < min_letters:
                short_idx.append(i)
                details.append(f"{n} letters (< corpus.min_letters {min_letters})")
    if short_idx:
        rej.add(short_idx, df.loc[short_idx, "doc_id"].tolist(), "too_short", details)
    return df[~empty & ~df.index.isin(short_idx)]
