"""Process-level helpers every stage may use: thread count, memory hand-back, atomic writes,
BERTopic without torch."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV_THREADS = "CONFLICT_NARRATIVES_THREADS"


def n_threads() -> int:
    """Worker threads for numeric work: ``$CONFLICT_NARRATIVES_THREADS``, else the cores this
    process may run on (``os.sched_getaffinity``), never more (BLAS oversubscription costs
    ~10x on small machines)."""
    if os.environ.get(ENV_THREADS):
        return max(1, int(os.environ[ENV_THREADS]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def release_memory() -> None:
    """Hand freed memory back to the system between heavy steps: Python's cyclic garbage,
    Arrow's buffer pool and glibc's heap (``malloc_trim``). After the topics stage on
    ant-multisource this takes the process from 1.74 to 1.11 GB, which the next stage
    would otherwise build on."""
    import ctypes
    import gc
    import sys

    gc.collect()
    with contextlib.suppress(ImportError):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


_TORCH = ("torch", "sentence_transformers", "transformers")


class _Blocked:
    """A meta-path finder that makes the named top-level packages look absent."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed here)", name=name)
        return None


def import_bertopic() -> None:
    """Import BERTopic without torch, sentence-transformers and transformers, unless one of
    them is imported already. BERTopic imports them (in ``try`` blocks) only for its own
    embedding backends, which this project's backends replace; a torch backend
    (``sentence-transformers:<model>``, ``e5-small``) imports them when its model loads,
    as usual. Saves ~60% of BERTopic's import time and the memory torch holds."""
    import sys

    if "bertopic" in sys.modules or any(name in sys.modules for name in _TORCH):
        import bertopic  # noqa: F401
        return
    blocker = _Blocked(_TORCH)
    sys.meta_path.insert(0, blocker)
    try:
        import bertopic  # noqa: F401
    finally:
        sys.meta_path.remove(blocker)
    cache_jit(("umap", "pynndescent"))


def cache_jit(packages: tuple[str, ...]) -> int:
    """Keep the numba-compiled functions of ``packages`` in numba's on-disk cache (beside
    their sources, else numba's user cache): most of umap's are compiled without
    ``cache=True``, so every new process compiled them again before its first UMAP (measured:
    a 600-document UMAP took 79 s in a new process on a busy machine, 5.6 s once cached).
    Returns how many functions it turned caching on for."""
    import sys
    import warnings

    from numba.core.errors import NumbaWarning
    from numba.core.registry import CPUDispatcher

    # those using dynamic globals cannot be kept: numba says so at each compile, harmlessly
    warnings.filterwarnings("ignore", "Cannot cache compiled function", NumbaWarning)
    count = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, CPUDispatcher) and type(obj._cache).__name__ == "NullCache":
                obj.enable_caching()
                count += 1
    return count


@contextlib.contextmanager
def quiet_bertopic(*phrases: str) -> Iterator[None]:
    """Drop BERTopic's log records holding any of ``phrases`` for the block: warnings about
    what this project does on purpose (saving without the embedding model, which is given
    back on load; topics assigned by hand). BERTopic logs on a handler of its own."""
    import logging

    def keep(record: logging.LogRecord) -> bool:
        return not any(p in record.getMessage() for p in phrases)

    logger = logging.getLogger("BERTopic")
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, moved onto it only when the block succeeds, so
    readers (another process, a parallel test worker) never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
