"""Where the work runs: this process, a local Dask cluster, or an existing one.

One setting decides it, ``compute.scheduler`` (``--scheduler`` on the command line):

- absent / ``null``: in this process, as always;
- ``local`` or ``local:N``: a :class:`distributed.LocalCluster` of ``N`` worker processes
  (``local``: one per core), ``compute.threads_per_worker`` threads and
  ``compute.memory_limit`` of memory each (a worker past 95 % of it is restarted and its
  task retried; one that kills every worker it runs on ends the run with a clear error);
- an address (``tcp://host:8786``, ``tls://…``): that cluster (dask-jobqueue, Kubernetes,
  ``dask scheduler`` + ``dask worker``), which must see the project folder and the corpus at
  the same paths.

>>> with connect(settings) as client:   # None when in process
...     futures = client.map(work, parts)
...     results = gather(client, futures, "embed")

The dashboard link is printed when a cluster is started or joined. Tasks are retried by
the scheduler when a worker dies; what a task writes it writes atomically under a name of
its own, so a rerun finds finished partitions and does only the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import sys
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from conflict_narratives.common.system import ENV_THREADS, n_threads

log = logging.getLogger(__name__)


def parse_scheduler(value: Any) -> tuple[str, Any]:
    """``("process", None)``, ``("local", n_workers)`` or ``("address", address)``; a clear
    ``ValueError`` for anything else."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none",
                                                                               "null")):
        return "process", None
    text = str(value).strip()
    if text == "local":
        return "local", n_threads()
    if text.startswith("local:"):
        count = text.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"compute.scheduler {text!r}: expected local:N with N >= 1")
        return "local", int(count)
    if "://" in text and text.split("://", 1)[1]:
        return "address", text
    raise ValueError(f"compute.scheduler {text!r}: use null (in process), local, local:N or "
                     "a scheduler address such as tcp://host:8786")


def _section(settings: Mapping) -> Mapping:
    return settings["compute"] if "compute" in settings else settings


def is_distributed(settings: Mapping) -> bool:
    """True when ``compute.scheduler`` names a cluster."""
    return parse_scheduler(_section(settings).get("scheduler"))[0] != "process"


# A worker whose heap stays above the pause fraction after its tasks (pandas and Arrow keep
# freed memory) would pause for good and stall the run (seen at 1M documents: both workers
# paused at 1.6 of 2 GB); instead it never pauses and is restarted past ``terminate``, its
# task retried on a fresh process.
# Handed to each nanny, which sets it in every worker process it starts, the first and every
# restarted one (a ``dask.config.set`` around the cluster's start reached the first only).
WORKER_MEMORY = {"distributed": {"worker": {"memory": {"pause": False, "terminate": 0.95}}}}


def start(settings: Mapping, *, quiet: bool = False):
    """A :class:`distributed.Client` for ``compute.scheduler`` (None: in process); the
    dashboard link goes to stderr. Close it with :func:`stop`."""
    cfg = _section(settings)
    kind, arg = parse_scheduler(cfg.get("scheduler"))
    if kind == "process":
        return None
    from distributed import Client, LocalCluster

    if kind == "local":
        import dask

        threads = int(cfg.get("threads_per_worker") or 1)
        # numeric libraries in each worker use its own threads, not every core; Arrow
        # hands freed buffers back to the system allocator, which returns them to the OS
        env = {ENV_THREADS: str(threads), "ARROW_DEFAULT_MEMORY_POOL": "system"}
        cluster = LocalCluster(n_workers=arg, processes=True, threads_per_worker=threads,
                               env=env, config=dask.config.merge(dask.config.config,
                                                                 WORKER_MEMORY),
                               memory_limit=cfg.get("memory_limit") or "auto",
                               dashboard_address=cfg.get("dashboard") or ":0")
        client = Client(cluster)
    else:
        try:
            client = Client(arg, timeout="30s")
        except OSError as err:
            raise ValueError(f"cannot reach the Dask scheduler at {arg}: {err}") from err
    workers = len(client.scheduler_info(n_workers=-1)["workers"])
    if not quiet:
        print(f"Dask: {workers} workers; dashboard {client.dashboard_link}", file=sys.stderr)
    log.info("dask client %s, %d workers, dashboard %s", client, workers,
             client.dashboard_link)
    return client


def stop(client) -> None:
    """Close ``client`` and the LocalCluster it started (an external cluster keeps running)."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    with contextlib.suppress(Exception):
        client.close()
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close()


@contextlib.contextmanager
def connect(settings: Mapping, *, quiet: bool = False) -> Iterator[Any]:
    """:func:`start` … :func:`stop` as a context manager."""
    client = start(settings, quiet=quiet)
    try:
        yield client
    finally:
        stop(client)


def gather(client, futures: list, desc: str, progress: bool = True) -> list:
    """The futures' results in submission order, each fetched as soon as its task finishes
    (a result left on a worker is lost if that worker is restarted), with a progress bar
    over them (one tick per partition); the first task error is raised with its traceback.
    Workers that keep dying end the run with a ``MemoryError`` saying what to change, not
    a hang: a task that kills every worker it runs on, or more restarts than
    :data:`RESTARTS` per worker with no task finishing (a result too large for a worker is
    lost with it and recomputed, without end)."""
    from distributed import KilledWorker
    from tqdm.auto import tqdm

    results, pending = {}, list(futures)
    seen, restarts = _workers(client), 0
    with tqdm(total=len(futures), desc=desc, unit="part", disable=not progress) as bar:
        while pending:
            for future in [f for f in pending if f.done()] or pending[:1]:
                try:
                    results[future.key] = future.result(timeout=2)
                except TimeoutError:  # not finished, or its result lost and being redone
                    now = _workers(client)
                    restarts, seen = restarts + len(now - seen), seen | now
                    if restarts > RESTARTS * max(len(now), 1):
                        raise MemoryError(_advice(desc, f"{restarts} worker restarts and no "
                                                        "task finished")) from None
                    break
                except KilledWorker as err:
                    raise MemoryError(_advice(desc, "every worker that ran a task died: "
                                                    f"{err}")) from err
                restarts = 0
                bar.update(1)
            pending = [f for f in pending if f.key not in results]
    return [results[f.key] for f in futures]


RESTARTS = 3  # worker restarts per worker with no task finishing before a run gives up


def _workers(client) -> set[str]:
    return set(client.scheduler_info(n_workers=-1)["workers"])


def _advice(desc: str, what: str) -> str:
    return (f"{desc}: {what}; most often workers past their memory limit: raise "
            "compute.memory_limit, or lower compute.partition_rows / compute.partition_mb and "
            "load again")


def _value(value: Any) -> Any:
    return value


def _run(item: Any, _func, **kwargs: Any) -> Any:
    """``_func(item, **kwargs)`` on a worker, then what it freed handed back to the system:
    a worker left above its memory limit after a task is restarted, and its result lost."""
    try:
        return _func(item, **kwargs)
    finally:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):  # glibc only
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def run_tasks(client, func, items: list, *, desc: str, progress: bool = True,
              **kwargs: Any) -> list:
    """``func(item, **kwargs)`` for every item: on the cluster (pure=False, each task
    retried on a surviving worker if its worker dies), else here in order."""
    if client is None:
        from tqdm.auto import tqdm

        return [func(item, **kwargs) for item in tqdm(items, desc=desc, unit="part",
                                                       disable=not progress)]
    # shared arguments go to the cluster once (not once per task) as tasks of their own,
    # not scattered: the scheduler can make them again when the workers holding them die
    # (scattered data is lost with them, and every task needing it is cancelled)
    shared = {k: client.submit(_value, v, pure=False) for k, v in kwargs.items()}
    name = getattr(func, "__name__", "task")  # the dashboard's name for the tasks
    futures = client.map(_run, items, _func=func, key=[f"{name}-{uuid.uuid4().hex}"
                                                       for _ in items],
                         retries=2, **shared)
    return gather(client, futures, desc, progress)
