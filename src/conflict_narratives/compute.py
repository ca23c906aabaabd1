"""Where the work runs: this process, a local Dask cluster, or an existing one.

One setting decides it, ``compute.scheduler`` (``--scheduler`` on the command line):

- absent / ``null``: in this process, as always;
- ``local`` or ``local:N``: a :class:`distributed.LocalCluster` of ``N`` worker processes
  (``local``: one per core), ``compute.threads_per_worker`` threads and
  ``compute.memory_limit`` of memory each (Dask spills to disk, then pauses a worker, near it);
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
import logging
import sys
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
WORKER_MEMORY = {"distributed.worker.memory.pause": False,
                 "distributed.worker.memory.terminate": 0.95}


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
        with dask.config.set(WORKER_MEMORY):
            cluster = LocalCluster(n_workers=arg, processes=True, threads_per_worker=threads,
                                   env=env, memory_limit=cfg.get("memory_limit") or "auto",
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
    """The futures' results in submission order, with a progress bar over them (one tick per
    partition) as they finish; the first task error is raised with its traceback."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    with tqdm(total=len(futures), desc=desc, unit="part", disable=not progress) as bar:
        for future in as_completed(futures):
            if future.status == "error":
                client.gather(future)  # raises the task's exception here
            bar.update(1)
    return client.gather(futures)


def _value(value: Any) -> Any:
    return value


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
    futures = client.map(func, items, pure=False, retries=2, **shared)
    return gather(client, futures, desc, progress)
