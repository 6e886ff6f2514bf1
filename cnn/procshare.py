"""A training batch split between this thread and a worker process, for narrow networks.

Two threads in one process take turns at Python's lock: a narrow network (the small preset)
runs as many short NumPy calls, and a 16-letter share that takes 1.8 ms alone takes 3.2-4.0 ms
beside another thread. In a process of its own the other share runs beside this one with no
lock to share. The worker is spawned (never forked: the window's process has Qt's threads)
once per process and kept; it gets the weights, its share of the batch and gives back its
gradients through one shared-memory block, and only small messages go through the pipe.

Whatever goes wrong (the worker still starting, dead, or raising), the step runs on threads or
here instead (`cnn.parallel`), with the same results up to float rounding.
"""

import atexit
import signal
import threading
import time
import traceback
import weakref
from multiprocessing import connection, get_context, spawn

import numpy as np

from cnn import blas, parallel
from cnn.fast import conv as fast_conv
from cnn.layers import Conv2d, Linear
from cnn.sequential import Sequential
from cnn.shareblock import Block, capacity, layout_key

# Multiply-adds per letter up to which a batch is shared with the process rather than a thread.
# Interleaved A/B on 2 cores (Zen 4 KVM, whole steps with SGD, medians of 0.25 s blocks in which
# no other process ran), the process against the second thread, time of a step thread/process:
#   small (0.39 M)   batch 32 1.26-1.37x, 64 1.18-1.22x, 128 1.03-1.15x, 256 1.06-1.11x
#   default (4.6 M)  batch 64 0.96x, 128 0.94x, 256 1.04x (memory-bound: no lock to escape)
#   large (16.5 M)   batch 32 0.89x, 128 1.02x, 256 0.93x
# Each share is still 1.4-1.7x slower beside the other process than alone (16 letters of small:
# 2.1-2.5 ms against 1.4-1.5 ms): the two vCPUs share more than a lock. Splitting the letters
# unevenly to hide the worker's wake-up, or spinning for its reply, gained nothing (A/B/C).
# Between them, conv 16 and 32 with a dense 128 (1.22 M) gained little: batch 32 1.12x and
# 1.00x, 64 1.04x and 1.07x, 128 1.01x and 1.07x (two runs; small in the second 1.24x, 1.17x,
# 1.08x). So the process takes networks up to 1 M.
MAX_WORK = 1_000_000
START_TIMEOUT = 60.0  # seconds a worker may take to import and say it is ready
BUSY = 2.0  # seconds after its latest step during which a model keeps the worker to itself

_lock = threading.RLock()
_worker = None  # this process's one _Worker, while it lives
_failed = False  # a worker died or raised: this process trains on threads from then on


def work_per_letter(model: Sequential) -> int:
    """Multiply-adds of one letter's forward pass through the conv and linear layers."""
    total = 0
    for name, layer in model.layers:
        if isinstance(layer, Conv2d):
            _, ho, wo = model.output_shapes()[name]
            total += layer.out_channels * layer.in_channels * layer.kernel_size ** 2 * ho * wo
        elif isinstance(layer, Linear):
            total += layer.in_features * layer.out_features
    return total


def suits(model: Sequential, k: int) -> bool:
    """Whether a batch that `cnn.parallel` splits in k shares goes to the process instead: two
    shares (one worker), a narrow network, one parameter dtype."""
    if k != 2 or _failed:
        return False
    dtypes = {p.dtype for p in model.parameters().values()}
    return len(dtypes) == 1 and work_per_letter(model) <= MAX_WORK


class _Worker:
    """The process, its pipe and the block; used under `_lock` by one training at a time."""

    def __init__(self):
        ctx = get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True,
                                   name="cnn-share-worker")
        # spawn runs the caller's main module again in the child, as __mp_main__: a script without
        # an `if __name__ == "__main__"` guard would train there too, and main.py would load Qt.
        # The worker needs nothing from it: while it starts, spawn's preparation data leave the
        # main module out (a process another thread spawns in that millisecond does without it
        # too; `sys.modules` itself is never touched).
        prepare = spawn.get_preparation_data

        def without_main(name):
            data = prepare(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            self.process.start()
        finally:
            spawn.get_preparation_data = prepare
        child.close()
        # The worker keeps the nice value of the thread that started it (the Train tab's, 10):
        # each step can lower it to its caller's, never raise it again, so a fine-tune from a
        # thread at 0 runs its second share at the priority of the training that came first.
        self.sequence = 0  # the number of the latest step asked for: replies carry it
        self.last_step = 0.0  # time.monotonic() of the latest step's reply
        self.ready = False
        self.block: Block | None = None
        self.model_ref = None  # the model the worker's copy is set up as

    def poll_ready(self) -> bool:
        if not self.ready and self.conn.poll():
            if self.conn.recv() != "ready":
                raise RuntimeError("the share worker did not start")
            self.ready = True
        return self.ready

    def serves_another(self, model: Sequential) -> bool:
        """Whether the worker is busy with another model, one that lives and took a step in the
        last BUSY seconds: two trainings taking turns would set it up again at every step, so
        the later one trains on threads until the other stops."""
        served = self.model_ref() if self.model_ref is not None else None
        return (served is not None and served is not model
                and time.monotonic() - self.last_step < BUSY)

    def prepare(self, model: Sequential, letters: int) -> Block:
        """The block for a share of `letters`, the worker set up for `model`. A block is kept
        while it holds the share and is at most 4 times too big (fit's batches of 64 and 65
        give shares of 32 and 33), and replaced when the model or its shapes change."""
        served = self.model_ref() if self.model_ref is not None else None
        b = self.block
        if (b is None or served is not model or not b.key[1] // 4 < letters <= b.key[1]
                or b.key != layout_key(model, b.key[1])):
            self.block = None
            try:
                self.block = Block(model, capacity(letters))
                self.conn.send(("setup", self.block.shm.name, model.spec, model.engine,
                                model.input_shape, self.block.key[0], self.block.key[1]))
            finally:
                if b is not None:
                    b.close(unlink=True)  # the worker maps the new one before its next step
            if served is not model:
                self.model_ref = weakref.ref(model)
                weakref.finalize(model, _close_if_serving, self.model_ref)
        return self.block

    def receive(self, timeout: float):
        """The reply to the latest step asked for, or None when the worker died or took longer
        than `timeout` seconds. Replies to earlier steps, left unread when their caller was
        interrupted while it waited, are dropped: each step reads its own."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not connection.wait([self.conn, self.process.sentinel], left):
                return None
            try:
                if not self.conn.poll():
                    return None  # the worker ended without a word
                reply = self.conn.recv()
            except (EOFError, OSError):
                return None
            if reply[1] == self.sequence:
                return reply

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2.0)
        self.conn.close()
        if self.block is not None:
            self.block.close(unlink=True)
            self.block = None


def _close_if_serving(ref) -> None:
    """A model went away: the worker goes too, when that model was the one it served."""
    global _worker
    with _lock:
        if _worker is not None and _worker.model_ref is ref:
            _worker.close()
            _worker = None


@atexit.register
def shutdown() -> None:
    """Stop the worker and free its block (at exit; tests call it too)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.close()
            _worker = None


def failed() -> bool:
    """Whether a worker died or raised in this process, which trains on threads since."""
    return _failed


def _fail() -> None:
    global _failed
    _failed = True
    shutdown()


def _ready_worker(wait: float = 0.0):
    """This process's worker when it is ready to take a share; starts it when there is none
    (None meanwhile: the caller trains on threads)."""
    global _worker
    if _worker is None:
        try:
            _worker = _Worker()
        except Exception:  # noqa: BLE001 - no process, no pipe: threads do the work
            _fail()
            return None
    try:
        if wait > 0 and not _worker.ready:
            _worker.conn.poll(wait)
        if _worker.poll_ready():
            return _worker
    except (EOFError, OSError, RuntimeError):
        _fail()
        return None
    if not _worker.process.is_alive():
        _fail()
    return None


def start(model: Sequential, timeout: float = START_TIMEOUT) -> bool:
    """Start the worker (if a batch of `model` would go to it) and wait until it is ready;
    whether it is. For benchmarks and tests: training itself never waits."""
    with _lock:
        return suits(model, 2) and _ready_worker(timeout) is not None


def worker_pid() -> int | None:
    """The worker process's id while there is one (tests)."""
    with _lock:
        return None if _worker is None else _worker.process.pid


def forward_backward(model, x, y, loss_fn, chunk, share):
    """(loss, accuracy, grads) of the batch: its second half in the worker, its first here
    by share(model, x, y, loss_fn, chunk, total), as `cnn.parallel` splits it in two.
    None when no worker is ready: the caller runs the batch on threads."""
    n = x.shape[0]
    if x.dtype != model.dtype:  # the block holds the model's dtype: threads keep x's
        return None
    if x.shape[1:] != tuple(model.input_shape) or np.shape(y) != (n,):
        return None  # not a batch the block takes: the threads run it, and say what is wrong
    a = n // 2  # the first share of np.linspace(0, n, 3).astype(int), as the threads split it
    if not _lock.acquire(blocking=False):  # another training is using the worker
        return None
    try:
        w = _ready_worker()
        if w is None or w.serves_another(model):
            return None
        try:
            block = w.prepare(model, n - a)
        except (OSError, ValueError):  # the pipe broke, or no block could be made
            _fail()
            return None
        try:
            for k, p in model.parameters().items():
                np.copyto(block.params[k], p)
            block.x[:n - a] = x[a:]
            block.y[:n - a] = y[a:]
        except (TypeError, ValueError):  # labels or images that do not fit it: the threads
            return None  # run the batch, and raise what is wrong with it
        try:
            w.sequence += 1
            w.conn.send(("step", w.sequence, n - a, n, chunk, loss_fn.smoothing,
                         parallel.thread_niceness(), np.geterr()))
        except (OSError, ValueError):  # the pipe broke
            _fail()
            return None
        shared = fast_conv.SHARED.set(True)
        began = time.perf_counter()
        try:  # raising here leaves the worker's reply unread: the next step drops it
            with blas.limit(1):
                loss, acc, grads = share(model, x[:a], y[:a], loss_fn, chunk, n)
        finally:
            fast_conv.SHARED.reset(shared)
        reply = w.receive(5.0 + 20 * (time.perf_counter() - began))
        w.last_step = time.monotonic()
        if reply is not None and reply[0] == "done":
            for k, g in grads.items():
                g += block.grads[k]
            return loss + reply[2], acc + reply[3], grads
        if reply is None:  # dead or hung
            _fail()
    finally:
        _lock.release()
    # The worker died, hung or raised: its share is done here, so no step is lost. An error
    # in the batch itself (a bad label, an overflow NumPy was told to raise) is raised here as
    # the threads would raise it; a worker that raised on a good share is not asked again.
    other = type(loss_fn)(loss_fn.smoothing)
    loss2, acc2, grads2 = share(model, x[a:], y[a:], other, chunk, n)
    if reply is not None:
        with _lock:
            _fail()
    for k, g in grads.items():
        g += grads2[k]
    return loss + loss2, acc + acc2, grads


def _serve(conn) -> None:
    """The worker process: set up a model on the shared block, then run shares until told to
    stop or the pipe closes (its parent died)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    from cnn.losses import SoftmaxCrossEntropy
    from cnn.model import build_model
    from cnn.train import _chunked

    fast_conv.SHARED.set(True)
    model = block = None
    with blas.limit(1):
        conn.send("ready")
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            try:
                if msg[0] == "setup":
                    _, name, spec, engine, input_shape, dtype, cap = msg
                    model = None  # its parameters are views of the block about to be unmapped
                    if block is not None:
                        block.close(unlink=False)
                        block = None
                    model = build_model(spec, np.random.default_rng(0), engine=engine,
                                        dtype=np.dtype(dtype), input_shape=input_shape,
                                        num_classes=None)
                    block = Block(model, cap, create=False, name=name)
                    for lname, layer in model.layers:
                        for k in layer.params:
                            layer.params[k] = block.params[f"{lname}.{k}"]
                    continue
                _, sequence, k, total, chunk, smoothing, nice, err = msg
                if nice is not None:
                    parallel.lower_thread_priority(nice)
                with np.errstate(**err):
                    loss, acc, grads = _chunked(model, block.x[:k], block.y[:k],
                                                SoftmaxCrossEntropy(smoothing), chunk, total)
                for key, g in grads.items():
                    np.copyto(block.grads[key], g)
                conn.send(("done", sequence, loss, acc))
            except Exception:  # noqa: BLE001 - told to the parent, which does the share itself
                conn.send(("error", sequence if msg[0] == "step" else None,
                           traceback.format_exc()))
    model = None
    if block is not None:
        block.close(unlink=False)
