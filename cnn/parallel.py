"""A training batch split between CPU cores: one thread and one model replica per share.

NumPy runs its copies, pooling and element-wise work on one core; only the matrix products
use more. Giving each core a share of the batch, with its own replica (the same parameter
arrays, its own caches) and one BLAS thread, puts all of the work on every core: measured on 2
cores against one thread with a 2-thread BLAS, a training step runs 1.8-1.9x faster for the
small preset, 1.4x for large, 1.0-1.6x for default. For a narrow network such as small, whose
threads spend their time waiting for Python's lock, `cnn.procshare` runs the second share in a
worker process instead.
"""

import contextvars
import functools
import os
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from cnn import blas
from cnn.fast import conv as fast_conv
from cnn.model import Sequential, build_model

MIN_SHARE = 16  # samples per thread below which a batch is not split
MAX_THREADS = 4

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_replicas: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its replicas


def cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def shares(n: int, limit: int | None = None) -> int:
    """How many threads a batch of n samples is split between (1: not split), at most
    `limit` when given."""
    most = MAX_THREADS if limit is None else min(int(limit), MAX_THREADS)
    return max(1, min(cores(), most, n // MIN_SHARE))


def replicas(model: Sequential, k: int) -> list[Sequential]:
    """k models on `model`'s engine whose layers share its parameter dicts, each with its own
    caches; made once per model and kept while the model lives (not on it: a copy of the model
    stays lean)."""
    with _lock:
        fresh = [r for r in _replicas.get(model, []) if r.engine == model.engine
                 and all(a.params is b.params
                        for (_, a), (_, b) in zip(model.layers, r.layers, strict=True))]
        while len(fresh) < k:
            r = build_model(model.spec, np.random.default_rng(0), engine=model.engine)
            for (_, a), (_, b) in zip(model.layers, r.layers, strict=True):
                b.params = a.params
            fresh.append(r)
        _replicas[model] = fresh
    return fresh[:k]


def thread_niceness() -> int | None:
    """This thread's nice value (Linux, where each thread has its own); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return None


def lower_thread_priority(nice: int) -> None:
    """Make this thread at least `nice` nice (Linux): a training thread yields the cores to
    the window's thread, which draws. Never raises priority, which needs privileges."""
    now = thread_niceness()
    if now is not None and now < nice:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


def _as_nice_as(nice: int | None, task):
    if nice is not None:
        lower_thread_priority(nice)  # a share runs at its caller's priority, or lower
    return task()


def run(tasks: list) -> list:
    """Call every task (no arguments) at once, the first in this thread, with one BLAS thread
    each; returns their results in order. A task's exception is raised here."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix="cnn-share")
    shared = fast_conv.SHARED.set(True)  # the shares' wide layers work by blocks
    try:
        with blas.limit(1):
            # In the caller's context: NumPy's errstate (a context variable) holds in every
            # share, and so does SHARED.
            nice = thread_niceness()
            futures = [_pool.submit(contextvars.copy_context().run,
                                    functools.partial(_as_nice_as, nice, t)) for t in tasks[1:]]
            try:
                first = tasks[0]()
            finally:
                wait(futures)  # every share done before the limit is lifted, even on an error
    finally:
        fast_conv.SHARED.reset(shared)
    return [first, *(f.result() for f in futures)]
