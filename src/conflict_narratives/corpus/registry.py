"""Named corpora and column recognition.

``REGISTRY`` describes each named corpus: where it lies under the data path, how its
columns map onto the corpus schema, and where it comes from publicly (for the README).
``t17:<Topic>`` names any Timeline17 topic folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class CorpusSpec:
    """A named corpus: its file under a data-path folder and how to read it."""

    relpath: str
    description: str
    origin: str
    citation: str
    licence: str
    mapping: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # constant schema values
    dayfirst: bool | None = None
    ptb: bool = False  # text is Penn-Treebank tokenised


REGISTRY: dict[str, CorpusSpec] = {
    "ant-multisource": CorpusSpec(
        relpath="ant-multisource/ant_multisource_v2.1.csv.gz",
        description="Arabic news (MSA), 31,525 articles from 5 outlets (Sky News Arabia, "
        "Al Arabiya, France 24, BBC Arabic, CNN Arabic), 6 categories, Feb-Oct 2018.",
        origin="https://github.com/antcorpus/antcorpus.multisource.data",
        citation="Chouigui, Ben Khiroun & Elayeb, 'An Arabic Multi-source News Corpus', "
        "Arabian Journal for Science and Engineering, 2021",
        licence="Apache-2.0 with a citation requirement (see the upstream README)",
        mapping={"doc_id": "docno", "date": "datetime"},
    ),
    "bbc-news": CorpusSpec(
        relpath="bbc-news/bbc_news.csv.gz",
        description="English BBC News articles, 2,225 documents in 5 topical classes, "
        "2004-2005, undated per document.",
        origin="http://mlg.ucd.ie/datasets/bbc.html",
        citation="Greene & Cunningham, 'Practical Solutions to the Problem of Diagonal "
        "Dominance in Kernel Document Clustering', ICML 2006",
        licence="articles (c) BBC; research use",
        mapping={"doc_id": "doc_id"},
        defaults={"source": "BBC News"},
    ),
    "fa-kes": CorpusSpec(
        relpath="fa-kes/FA-KES-Dataset.csv",
        description="English reporting on the Syrian war, 804 articles from 15 outlets, "
        "2011-2018, labelled credible (1) or fake (0).",
        origin="https://zenodo.org/record/2607278",
        citation="Abu Salem, Al Feel, Elbassuoni, Jaber & Farah, 'FA-KES: A Fake News "
        "Dataset around the Syrian War', ICWSM 2019",
        licence="CC BY 4.0 (as stated by mirrors of the Zenodo record)",
        mapping={
            "doc_id": "unit_id",
            "text": "article_content",
            "title": "article_title",
            "place": "location",
        },
        dayfirst=False,
    ),
}
T17_PREFIX = "t17:"
T17_SPEC = CorpusSpec(
    relpath="t17-conflict/{topic}/articles.jsonl",
    description="Timeline17 topic (English news around one conflict) with journalists' "
    "ground-truth timelines; text is PTB-tokenised.",
    origin="https://github.com/complementizer/news-tls (Timeline17: "
    "http://www.l3s.de/~gtran/timeline/)",
    citation="Tran et al., 'Leveraging Learning To Rank in an Optimization Framework for "
    "Timeline Summarization', TAIA 2013; Gholipour Ghalandari & Ifrim, ACL 2020",
    licence="none stated; research use",
    mapping={"doc_id": "id", "date": "time", "text": "text"},
    ptb=True,
)

# Common column names, in order of preference, matched case- and separator-insensitively.
ALIASES: dict[str, tuple[str, ...]] = {
    "text": (
        "text",
        "content",
        "article_content",
        "body",
        "article_text",
        "article",
        "full_text",
        "fulltext",
        "story",
        "maintext",
        "main_text",
        "text_content",
        "document",
        "description",
        "abstract",
        "summary",
    ),
    "title": ("title", "headline", "article_title", "heading", "head", "subject"),
    "date": (
        "date",
        "datetime",
        "published",
        "published_at",
        "publish_date",
        "pubdate",
        "pub_date",
        "publication_date",
        "date_published",
        "published_date",
        "time",
        "timestamp",
        "created_at",
        "created",
        "seendate",
        "date_time",
        "event_date",
        "post_date",
        "posted_at",
    ),
    "source": (
        "source",
        "outlet",
        "publisher",
        "source_name",
        "media",
        "medium",
        "newspaper",
        "site",
        "site_name",
        "domain",
        "channel",
        "agency",
        "station",
        "username",
        "screen_name",
        "user_screen_name",
        "handle",
    ),
    "doc_id": (
        "doc_id",
        "id",
        "docno",
        "docid",
        "document_id",
        "article_id",
        "unit_id",
        "uuid",
        "guid",
        "_id",
    ),
    "url": ("url", "link", "href", "article_url", "permalink", "source_url"),
    "author": ("author", "authors", "byline", "writer", "creator"),
    "place": ("place", "location", "dateline", "city", "locality"),
}
SCHEMA_FIELDS = tuple(ALIASES)


def _key(name: object) -> str:
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


def match_by_name(columns: list, mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Schema fields matched to input columns: explicit ``mapping`` first, then the first
    alias present (case- and separator-insensitive). Raises ``ValueError`` naming the
    existing columns when a mapped column is missing."""
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    unknown = set(mapping) - set(SCHEMA_FIELDS)
    if unknown:
        raise ValueError(f"unknown schema field(s) {sorted(unknown)}; known: {SCHEMA_FIELDS}")
    by_key = {}
    for col in columns:
        by_key.setdefault(_key(col), col)
    found: dict[str, str] = {}
    for fld, col in mapping.items():
        if col not in columns:
            hit = by_key.get(_key(col))
            if hit is None:
                raise ValueError(
                    f"column {col!r} (for {fld}) not found; columns are: "
                    f"{[str(c) for c in columns]}"
                )
            col = hit
        found[fld] = col
    taken = set(found.values())
    for fld, names in ALIASES.items():
        if fld in found:
            continue
        for name in names:
            col = by_key.get(_key(name))
            if col is not None and col not in taken:
                found[fld] = col
                taken.add(col)
                break
    return found


def no_text_column(columns: list) -> ValueError:
    """The error for a table with no usable text column."""
    return ValueError(
        "no text column found (tried " + ", ".join(ALIASES["text"][:6]) + ", ... and every "
        f"column's content); columns are: {[str(c) for c in columns]}. Name it with "
        "mapping={'text': ...} or --text-col."
    )


def recognise_columns(columns: list, mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Map schema fields to input columns by name only (:func:`match_by_name`); raises
    ``ValueError`` when no text column is found. The loader also weighs content
    (:mod:`conflict_narratives.corpus.columns`)."""
    found = match_by_name(columns, mapping)
    if "text" not in found:
        raise no_text_column(columns)
    return found


def spec_for(name: str) -> CorpusSpec | None:
    """The spec of a named corpus (``t17:<Topic>`` included), else ``None``."""
    if name in REGISTRY:
        return REGISTRY[name]
    if name.startswith(T17_PREFIX) and name[len(T17_PREFIX) :]:
        topic = name[len(T17_PREFIX) :]
        outlet = topic.rsplit("_", 1)[-1]  # EgyptianProtest_cnn -> cnn
        return replace(
            T17_SPEC, relpath=T17_SPEC.relpath.format(topic=topic), defaults={"source": outlet}
        )
    return None


# Suffixes a corpus file's name ends with (compression after format): taken off its name.
FILE_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".json", ".jsonl", ".ndjson", ".parquet",
                 ".pq", ".xlsx", ".xlsm", ".xls", ".html", ".htm", ".gz", ".bz2", ".xz", ".zip",
                 ".zst"}
# Stems that say nothing about the corpus: its folder's name goes in front (ag_news-test).
GENERIC_STEMS = {"test", "train", "dev", "valid", "validation", "val", "data", "dataset",
                 "tweets", "articles", "corpus", "docs", "documents", "posts", "news",
                 "messages", "export", "output", "sample", "all", "full", "raw", "records",
                 "items", "texts", "text", "input", "file", "part-00000", "default", "result"}


def default_name(source: str | Path) -> str:
    """File-system-safe corpus name: the registry name (``t17:X`` -> ``t17-X``), else the
    file's whole stem (only known suffixes such as ``.csv.gz`` taken off:
    ``ant_v1.1_jawharafm.csv`` -> ``ant_v1.1_jawharafm``) or the folder's name, after the
    parent folder's name when the stem says nothing (``ag_news/test.csv`` ->
    ``ag_news-test``)."""
    s = str(source)
    if spec_for(s) is not None:
        return s.replace(":", "-")
    p = Path(s)
    name = p.name
    if not p.is_dir():  # a file, even once it is gone
        while Path(name).suffix.lower() in FILE_SUFFIXES and Path(name).stem:
            name = Path(name).stem
    if name.lower() in GENERIC_STEMS:
        parent = p.expanduser().absolute().parent.name
        name = f"{parent}-{name}" if parent and parent.lower() not in GENERIC_STEMS else name
    return re.sub(r"[^\w\-.]+", "-", name).strip("-.") or "corpus"


def resolve(source: str | Path, search: list[Path] | None = None
            ) -> tuple[Path, CorpusSpec | None]:
    """The path to read and the spec (for named corpora). A named corpus is looked up in
    each folder of ``search`` (default: the project store's data path); an existing path
    is used as is."""
    s = str(source)
    spec = spec_for(s)
    if spec is None:
        path = Path(s).expanduser()
        if path.exists():
            return path, None
        raise FileNotFoundError(
            f"{s!r} is neither a file/folder nor a named corpus; named corpora: "
            f"{sorted(REGISTRY)} and t17:<Topic>"
        )
    from conflict_narratives.store import Store

    searched = list(search) if search is not None else Store().data_path()
    for folder in searched:
        if (folder / spec.relpath).exists():
            return folder / spec.relpath, spec
    raise FileNotFoundError(
        f"named corpus {s!r} not found as {spec.relpath} under any of "
        f"{[str(f) for f in searched]}; get it from {spec.origin}"
    )
