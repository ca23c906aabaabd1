"""Content-addressed, sharded, crash-safe store of embedding vectors.

One folder per backend id (``data/interim/embeddings/<sha256(backend id)[:16]>/``) holds
``backend.json`` (the id, for people) and shards ``<digest>.npz``, each with ``keys`` (hex
sha256 of the exact text embedded, ``S64``) and ``vectors`` (float32, one row per key).
A shard's file name is the sha256 of its keys and vectors, so a shard is verified before
use: a truncated, corrupt or tampered shard fails the check, is logged, moved aside as
``*.corrupt`` and its texts are embedded again. Shards are written to a temporary file
and moved into place with :func:`os.replace`, so a killed run leaves only whole shards
behind and the next run resumes from them; temporary files (``.tmp-*``) are never read, so
processes sharing the folder never mistake each other's half-written shards for corrupt ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SHARD_SUFFIX = ".npz"
_DIGEST_LEN = 40
_STALE_TMP_S = 3600


def text_key(text: str) -> str:
    """The cache key of a text: hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shard_digest(keys: np.ndarray, vectors: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(keys).tobytes())
    h.update(str(vectors.shape).encode())
    h.update(np.ascontiguousarray(vectors).tobytes())
    return h.hexdigest()[:_DIGEST_LEN]


class CorruptShard(ValueError):
    """A shard that fails validation; it is never trusted."""


class EmbeddingCache:
    """Vectors of one backend, looked up by :func:`text_key`.

    Only the small ``keys`` arrays are read when the cache is opened; a shard's vectors
    are read (and its checksum verified) only when one of its keys is asked for.
    """

    def __init__(self, root: str | Path, backend_id: str):
        self.backend_id = backend_id
        self.dir = Path(root) / hashlib.sha256(backend_id.encode("utf-8")).hexdigest()[:16]
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_manifest()
        self._remove_stale_tmp()
        self._index: dict[str, tuple[Path, int]] = {}
        self.n_corrupt = 0
        for path in sorted(self.dir.glob(f"*{SHARD_SUFFIX}")):
            if path.name.startswith("."):  # another writer's temporary file
                continue
            try:
                keys = self._read_keys(path)
            except CorruptShard as err:
                self._discard(path, err)
                continue
            for row, key in enumerate(keys):
                self._index.setdefault(key, (path, row))

    # ---------- housekeeping ----------
    def _write_manifest(self) -> None:
        manifest = self.dir / "backend.json"
        if not manifest.is_file():
            _atomic_write_bytes(
                manifest, json.dumps({"backend_id": self.backend_id}, indent=2).encode("utf-8")
            )

    def _remove_stale_tmp(self) -> None:
        """Delete temporary files left by a run killed while writing (older than an hour,
        so a concurrent writer's file is left alone)."""
        now = time.time()
        for tmp in self.dir.glob(".tmp-*"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TMP_S:
                    tmp.unlink()
            except FileNotFoundError:
                pass

    def _discard(self, path: Path, err: Exception) -> None:
        self.n_corrupt += 1
        log.warning("embedding cache: discarding corrupt shard %s (%s); its texts are "
                    "embedded again", path.name, err)
        try:
            os.replace(path, path.with_suffix(".corrupt"))
        except FileNotFoundError:
            pass
        self._index = {k: v for k, v in self._index.items() if v[0] != path}

    # ---------- reading ----------
    @staticmethod
    def _read_keys(path: Path) -> list[str]:
        try:
            with np.load(path, allow_pickle=False) as z:
                keys = z["keys"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise CorruptShard(f"unreadable: {err}") from err
        if keys.ndim != 1 or keys.dtype != np.dtype("S64"):
            raise CorruptShard(f"bad keys array {keys.dtype} {keys.shape}")
        return [k.decode("ascii") for k in keys]

    @staticmethod
    def _read_shard(path: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            with np.load(path, allow_pickle=False) as z:
                keys, vectors = z["keys"], z["vectors"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise CorruptShard(f"unreadable: {err}") from err
        if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != len(keys):
            raise CorruptShard(f"bad vectors {vectors.dtype} {vectors.shape} for {len(keys)} keys")
        if _shard_digest(keys, vectors) != path.stem:
            raise CorruptShard("checksum mismatch")
        if not np.isfinite(vectors).all():
            raise CorruptShard("non-finite values")
        return keys, vectors

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def missing(self, keys: Iterable[str]) -> list[str]:
        """The keys not in the cache, in the order given."""
        return [k for k in keys if k not in self._index]

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Vectors for ``keys``, read from verified shards. Keys whose shard turns out to be
        corrupt are left out (and dropped from the index): embed them again."""
        wanted: dict[Path, list[tuple[str, int]]] = {}
        for key in dict.fromkeys(keys):
            if key in self._index:
                path, row = self._index[key]
                wanted.setdefault(path, []).append((key, row))
        out: dict[str, np.ndarray] = {}
        for path, items in wanted.items():
            try:
                stored_keys, vectors = self._read_shard(path)
            except (CorruptShard, FileNotFoundError) as err:
                self._discard(path, err)
                continue
            if any(stored_keys[row].decode("ascii") != key for key, row in items):
                self._discard(path, CorruptShard("keys changed on disk"))
                continue
            out.update((key, vectors[row]) for key, row in items)
        return out

    # ---------- writing ----------
    def put(self, keys: list[str], vectors: np.ndarray) -> Path:
        """Write one shard atomically and index it. ``vectors`` must be float32 2-D."""
        path = write_shard(self.dir, keys, vectors)
        for row, key in enumerate(keys):
            self._index.setdefault(key, (path, row))
        return path


def write_shard(directory: Path, keys: list[str], vectors: np.ndarray) -> Path:
    """One shard written atomically into a backend's folder (:attr:`EmbeddingCache.dir`),
    without reading the others: what a worker process embedding for the cache does."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise ValueError(f"{len(keys)} keys but vectors of shape {vectors.shape}")
    key_arr = np.array(keys, dtype="S64")
    path = Path(directory) / f"{_shard_digest(key_arr, vectors)}{SHARD_SUFFIX}"
    if not path.is_file():
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=key_arr, vectors=vectors)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
