"""Monte Carlo chunks on Dask: scheduler checks, the local-cluster choice and the streaming
run that folds each chunk into the reducer as it arrives.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._mc_chunks import Payload, run_chunk_on_worker

if TYPE_CHECKING:
    from .montecarlo import _Reducer

__all__ = ["ClusterLostError", "check_scheduler", "worth_dask"]

SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer before giving up."""


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Fail fast on a scheduler address that cannot work.

    Raises ``ValueError`` for a malformed address (no port, unknown protocol) and
    ``ConnectionError`` (an ``OSError``) when nothing accepts connections there within
    ``timeout`` seconds: a closed port fails at once instead of after Dask's 30 s of retries.

    Examples
    --------
    >>> try:
    ...     check_scheduler("tcp://10.0.0.5")
    ... except ValueError as exc:
    ...     print(str(exc).split(";")[0])
    scheduler address 'tcp://10.0.0.5': missing port number in address '10.0.0.5'

    """
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    expected = "expected an address such as tcp://10.0.0.5:8786"
    try:
        proto, loc = parse_address(address)
        if proto in ("inproc", "ucx"):  # inproc lives in one process; ucx needs its own stack
            raise ValueError(f"the {proto}:// transport cannot reach a scheduler from here "
                             "(use tcp://, tls:// or ws://)")
        get_backend(proto)
        host, port = parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"scheduler address {address!r}: {exc}; {expected}") from None
    if not host:
        raise ValueError(f"scheduler address {address!r}: no host; {expected}")
    if not 0 < int(port) < 65536:
        raise ValueError(f"scheduler address {address!r}: port {port} is not in 1-65535; "
                         f"{expected}")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise ConnectionError(f"no Dask scheduler answers at {address}: {why}") from None
    if proto == "tcp":  # something listens; is it a scheduler? (Client would wait forever)
        who = _identity(address, timeout)
        if who != "Scheduler":
            raise ConnectionError(f"{address} accepts connections but is not a Dask "
                                  f"scheduler ({who})")


def _identity(address: str, timeout: float) -> str:
    """The ``type`` a Dask server at ``address`` reports, or why it reports none in time."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.core import rpc

    async def ask() -> Any:
        async with rpc(address, timeout=timeout) as r:
            return await r.identity()

    def probe() -> str:
        try:
            info = asyncio.run(asyncio.wait_for(ask(), timeout))
        except TimeoutError:
            return f"no Dask answer within {timeout:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return str(info.get("type")) if isinstance(info, dict) else repr(info)

    # A thread of its own: the caller may already run an event loop (Jupyter).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(probe).result()


#: Seconds a local Dask cluster takes to start, ship the inputs and stop (measured on two
#: shared cores: 4-6 s); below this much saved, a run stays in this process.
DASK_OVERHEAD = 6.0


def worth_dask(remaining: float, cores: int, chunks: int) -> bool:
    """Whether ``remaining`` seconds of in-process work go faster on a local cluster.

    With ``w = min(cores, chunks)`` workers the work takes ``remaining / w`` plus
    :data:`DASK_OVERHEAD`; Dask is chosen when that beats ``remaining``.

    Examples
    --------
    >>> worth_dask(1.5, 2, 10), worth_dask(30.0, 2, 10), worth_dask(30.0, 1, 10)
    (False, True, False)
    """
    w = min(cores, chunks)
    return w > 1 and remaining / w + DASK_OVERHEAD < remaining


def _local_workers(workers: int | None, chunks: int) -> int:
    """Worker processes of a LocalCluster for ``chunks`` chunks: never more than chunks (the
    rest would sit idle, and ``--workers 10000`` would start ten thousand processes)."""
    return max(1, min(workers if workers is not None else (os.cpu_count() or 1), chunks))


def _dask(p: Payload, plan: list[tuple[int, int]], workers: int | None, scheduler: str | None,
          reducer: _Reducer, report: Callable[[int | None], None]) -> tuple[int, str]:
    """Run the chunks of ``plan`` on Dask, folding each result into ``reducer`` as it comes.

    At most a few chunks per worker are in flight (submitted but not yet folded), so neither
    the cluster nor this process holds more than that many chunk results at a time.
    """
    if not plan:
        return 0, "in-process"
    with _quiet_dask():
        return _dask_run(p, plan, workers, scheduler, reducer, report)


class ClusterLostError(ConnectionError):
    """The Dask cluster stopped answering, or its workers kept dying, during a run.

    Examples
    --------
    >>> issubclass(ClusterLostError, ConnectionError)
    True
    """


def _lost(exc: BaseException, where: str, done: int, total: int) -> ClusterLostError:
    """The one-line error for a run whose cluster went away after ``done`` of ``total``
    chunks (Dask's own messages span lines and name internal task keys)."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        why = "its workers kept dying while running a chunk (out of memory?)"
    else:
        why = "the scheduler stopped answering (killed, or the network went down)"
    return ClusterLostError(f"the Dask cluster at {where} was lost mid-run: {why}; {done:,} "
                            f"of {total:,} chunks were done; the run has no result")


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence Dask's own logging during a run: a lost scheduler makes the client log
    multi-line tracebacks while it retries; the run reports one line instead."""
    import logging

    import distributed  # noqa: F401  (its import sets the levels of Dask's loggers)

    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]
    logs = [logging.getLogger(n) for n in names]  # Dask's config sets levels per logger
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    except KeyboardInterrupt:  # stay silent: the cluster's shutdown still logs as we exit
        raise
    except BaseException:
        _set_levels(logs, levels)
        raise
    _set_levels(logs, levels)


def _set_levels(logs: list[Any], levels: list[int]) -> None:
    for log, level in zip(logs, levels, strict=True):
        log.setLevel(level)


def _dask_run(p: Payload, plan: list[tuple[int, int]], workers: int | None,
              scheduler: str | None, reducer: _Reducer,
              report: Callable[[int | None], None]) -> tuple[int, str]:
    import logging
    from concurrent.futures import CancelledError

    import dask
    from distributed import Client, KilledWorker, LocalCluster

    cluster = None
    if scheduler is not None:
        check_scheduler(scheduler)
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        where = scheduler
    else:
        n = _local_workers(workers, len(plan))
        # Dask sets MALLOC_TRIM_THRESHOLD_ for its workers, which also switches off glibc's
        # adaptive mmap threshold: every large numpy temporary then costs a fresh mmap and
        # page faults (the engine ran ~2x slower on a worker than in-process). Keep arrays
        # below 128 MB on the heap.
        env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
        env.setdefault("MALLOC_MMAP_THRESHOLD_", 1 << 27)
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env}), \
                _sigint_ignored():
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        client = Client(cluster)
        where = f"LocalCluster({n} workers)"
    inflight: set[Any] = set()
    quiet = contextlib.ExitStack()
    total = reducer.next + len(plan)
    try:
        try:
            return _stream(client, p, plan, scheduler, reducer, report, inflight), where
        except (CancelledError, KilledWorker, OSError, TimeoutError) as exc:
            # the cluster went away after it answered: while the inputs were sent or chunks ran
            raise _lost(exc, where, reducer.next, total) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # one line from the CLI, not Dask's shutdown noise
            for name in ["asyncio", "tornado", *logging.root.manager.loggerDict]:
                if name.split(".")[0] in ("asyncio", "distributed", "tornado"):
                    logging.getLogger(name).setLevel(logging.CRITICAL + 1)
            quiet.enter_context(_sigint_ignored())  # a second Ctrl-C must not cut the cleanup
        if inflight:
            client.cancel(list(inflight))
        raise
    finally:
        with quiet:
            report(None)
            client.close()
            if cluster is not None:
                cluster.close()


def _stream(client: Any, p: Payload, plan: list[tuple[int, int]], scheduler: str | None,
            reducer: _Reducer, report: Callable[[int | None], None],
            inflight: set[Any]) -> int:
    """Send the inputs, then keep a bounded window of chunks in flight on ``client``,
    folding each result as it comes; the number of workers used."""
    from distributed import as_completed

    used = len(client.scheduler_info().get("workers", {}))
    if scheduler is not None:
        reducer.budget.estimate(used)
    data = client.scatter(p, broadcast=True)
    todo = iter(plan)

    def submit() -> Any:
        i, size = next(todo)
        fut = client.submit(run_chunk_on_worker, data, i, size, key=f"dealloop-chunk-{i}-{id(p)}",
                            pure=False)
        inflight.add(fut)
        return fut

    window = min(2 * max(1, used) + 2, len(plan))
    queue = as_completed([submit() for _ in range(window)])
    submitted = window
    for fut in queue:
        inflight.discard(fut)
        reducer.add(fut.result())
        fut.release()
        report(reducer.next)
        if submitted < len(plan):
            queue.add(submit())
            submitted += 1
    return used


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C inside the block (main thread only; elsewhere a no-op).

    Used while a local cluster starts: the ignored disposition survives the exec of its
    worker processes, so a Ctrl-C later reaches only this process, which cancels the chunks
    and closes the cluster (the workers would otherwise each die with a traceback). A Ctrl-C
    pressed during those seconds is lost; the next one works.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
