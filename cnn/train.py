"""Training as a generator of progress, and evaluation. Never prints, never touches Qt.

`fit` yields after every batch; the consumer cancels by not pulling the next item. The CLI, the
tests and the GUI's worker thread all drive the same generator.
"""

import functools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from cnn import blas, parallel, procshare
from cnn.losses import SoftmaxCrossEntropy, check_labels
from cnn.model import Sequential
from cnn.optim import Adam, Optimizer


class TrainingDiverged(RuntimeError):
    """The loss or the gradients became NaN or infinite; `last_good_state` holds usable weights."""

    def __init__(self, message: str, last_good_state: dict[str, np.ndarray], epoch: int,
                 step: int):
        super().__init__(message)
        self.last_good_state = last_good_state
        self.epoch, self.step = epoch, step


@dataclass
class Progress:
    """One item of `fit`: kind 'step' after every batch, 'epoch' after each epoch's validation."""

    kind: str
    epoch: int  # 1-based
    epochs: int
    step: int  # 1-based within the epoch
    steps_per_epoch: int
    global_step: int
    loss: float  # this batch's mean loss ('step'), or the epoch's mean ('epoch')
    accuracy: float
    samples_per_s: float
    eta_s: float
    val: dict | None = None  # evaluate() on the validation set, for 'epoch' items
    grad_norms: dict[str, float] = field(default_factory=dict)  # per parameter, if tracked
    update_norms: dict[str, float] = field(default_factory=dict)
    letters: int = 0  # in this batch ('step'), or in the epoch ('epoch')

    @property
    def val_accuracy(self) -> float | None:
        return None if self.val is None else self.val["accuracy"]

    @property
    def val_loss(self) -> float | None:
        return None if self.val is None else self.val["loss"]


def as_input(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Images (N, 28, 28) or (N, 1, 28, 28), uint8 0..255 or float 0..1 -> float (N, 1, 28, 28)."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[:, None]
    if x.dtype == np.uint8:
        return x.astype(dtype) * np.asarray(1.0 / 255.0, dtype)
    if np.issubdtype(x.dtype, np.floating):
        return x.astype(dtype, copy=False)
    raise TypeError(f"images must be uint8 or float, got dtype {x.dtype}")


CHUNK_BYTES = 8 << 20  # the largest layer output of one chunk, in bytes


def auto_chunk(model: Sequential) -> int:
    """Samples per chunk: as many as keep the largest layer output near CHUNK_BYTES (32..128).

    Measured on 2 cores: 64 for the default preset's 32 x 28 x 28 first maps, 128 for small's
    8 x 28 x 28 (7 % faster than 64 there).
    """
    # Plain integers: NumPy's prod and log2 on tuples and ints took 42 us a call, twice a step.
    largest = max(math.prod(s) for s in model.output_shapes().values())
    fits = CHUNK_BYTES // (largest * model.dtype.itemsize)
    return min(128, max(32, 1 << (max(fits, 1).bit_length() - 1)))  # a power of two


def forward_backward(model: Sequential, x: np.ndarray, y: np.ndarray,
                     loss_fn: SoftmaxCrossEntropy, chunk: int | None = None,
                     threads: int | None = None):
    """Batch-mean loss, accuracy and gradients of x (N, 1, 28, 28), computed in chunks.

    The batch is shared between the CPU cores (`cnn.parallel`; at most `threads` when given),
    and each share runs as chunks of `chunk` samples (default `auto_chunk`) with gradients
    accumulated: the working set stays in cache, which is faster than one big pass.
    Returns (loss, accuracy, grads).
    """
    n = x.shape[0]
    k = parallel.shares(n, threads)
    if k == 1 and threads == 1:  # one core asked for: the matrix products keep to it too
        with blas.limit(1):
            return _chunked(model, x, y, loss_fn, chunk)
    if k == 1:
        return _chunked(model, x, y, loss_fn, chunk)
    if procshare.suits(model, k):  # a narrow network: the other share goes to a process
        result = procshare.forward_backward(model, x, y, loss_fn, chunk, _chunked)
        if result is not None:
            return result
    bounds = np.linspace(0, n, k + 1).astype(int)
    models = [model, *parallel.replicas(model, k - 1)]
    losses = [loss_fn, *(SoftmaxCrossEntropy(loss_fn.smoothing) for _ in range(k - 1))]
    # Each share weighs its chunks by their part of the whole batch, so its gradients come out
    # scaled already: merging them is one float32 addition per share, no scaling pass.
    results = parallel.run([
        functools.partial(_chunked, m, x[a:b], y[a:b], lf, chunk, n)
        for m, lf, a, b in zip(models, losses, bounds[:-1], bounds[1:], strict=True)])
    grads = results[0][2]
    for r in results[1:]:
        for name, g in r[2].items():
            grads[name] += g
    return float(sum(r[0] for r in results)), float(sum(r[1] for r in results)), grads


def _chunked(model, x, y, loss_fn, chunk, total: int | None = None):
    """forward_backward in one thread, on a share of a batch of `total` samples (default: all
    of x): loss, accuracy and gradients are this share's part of the whole batch's means."""
    n = x.shape[0] if total is None else total
    chunk = auto_chunk(model) if chunk is None else chunk
    total_loss, correct, grads = 0.0, 0, None
    for start in range(0, x.shape[0], chunk):
        xb, yb = x[start:start + chunk], y[start:start + chunk]
        logits = model.forward(xb)
        share = xb.shape[0] / n
        total_loss += loss_fn.forward(logits, yb) * share
        correct += int((logits.argmax(axis=1) == yb).sum())
        dlogits = loss_fn.backward()
        if share != 1.0:
            dlogits *= share
        model.backward(dlogits)
        if grads is None:
            grads = model.gradients()  # fresh arrays each backward: safe to accumulate into
        else:
            for k, g in model.gradients().items():
                grads[k] += g
    return total_loss, correct / n, grads


def _all_finite(arrays) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


def fit(model: Sequential, x: np.ndarray, y: np.ndarray, *,
        val: tuple[np.ndarray, np.ndarray] | None = None, epochs: int = 1, batch_size: int = 64,
        optimizer: Optimizer | None = None, rng: np.random.Generator | None = None,
        augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
        chunk: int | None = None, track_norms: bool = False,
        threads: int | Callable[[], int | None] | None = None,
        label_smoothing: float = 0.0) -> Iterator[Progress]:
    """Train `model` in place by minibatch backprop, yielding Progress after every batch.

    x: (N, 28, 28) or (N, 1, 28, 28), uint8 or float in [0, 1]; y: (N,) class indices.
    batch_size: letters per batch; an epoch is cut into batches that differ by one letter at
    most, as many as are nearest to that size (2,564 letters in batches of 64 are 40 of 64-65,
    not 40 and a last one of 4, whose noisy gradient made a spike in every epoch's curves).
    threads: how many threads share each batch at most (default: one per core); a function is
    asked again before every batch (the window asks for one while a person draws).
    label_smoothing: share of the target spread over all classes (see SoftmaxCrossEntropy).
    Raises TrainingDiverged (carrying the last good weights) when the loss turns NaN/infinite.
    """
    chunk = auto_chunk(model) if chunk is None else chunk
    if epochs < 1 or batch_size < 1 or chunk < 1:
        raise ValueError(f"epochs, batch size and chunk must be >= 1, got {epochs}, "
                         f"{batch_size}, {chunk}")
    n = len(x)
    if n == 0:
        raise ValueError("there are no training samples")
    y = check_labels(y, n, model.num_classes)
    rng = np.random.default_rng(0) if rng is None else rng
    optimizer = Adam() if optimizer is None else optimizer
    loss_fn = SoftmaxCrossEntropy(label_smoothing)
    steps = max(1, round(n / batch_size))
    bounds = np.linspace(0, n, steps + 1).round().astype(np.int64)  # batch i: bounds[i:i+2]
    dtype = model.dtype
    params = model.parameters()
    snapshot = {k: v.copy() for k, v in params.items()}
    n_val = 0 if val is None else len(val[0])
    t0, global_step = time.perf_counter(), 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        loss_sum = correct_sum = 0.0
        for step in range(1, steps + 1):
            idx = order[bounds[step - 1]:bounds[step]]
            xb = as_input(x[idx], dtype)
            if augment is not None:
                xb = augment(xb, rng)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
                loss, acc, grads = forward_backward(model, xb, y[idx], loss_fn, chunk,
                                                    threads() if callable(threads) else threads)
            if not (np.isfinite(loss) and _all_finite(grads.values())):
                # The snapshot is the weights before the last update: the last ones known to
                # give a finite loss. The current weights may be finite but already blown up.
                good = {k: v.copy() for k, v in snapshot.items()}
                what = "loss" if not np.isfinite(loss) else "gradients"
                raise TrainingDiverged(
                    f"training diverged at epoch {epoch}, step {step}: the {what} became NaN or "
                    "infinite (learning rate too high?)", good, epoch, step)
            for k, p in params.items():
                np.copyto(snapshot[k], p)
            optimizer.step(params, grads)
            global_step += 1
            loss_sum += loss * len(idx)
            correct_sum += acc * len(idx)
            done = (epoch - 1) * n + int(bounds[step])
            elapsed = time.perf_counter() - t0
            rate = done / elapsed if elapsed > 0 else 0.0
            remaining = epochs * n - done + (epochs - epoch + 1) * n_val * 0.3
            item = Progress("step", epoch, epochs, step, steps, global_step, loss, acc, rate,
                            remaining / rate if rate > 0 else float("inf"), letters=len(idx))
            if track_norms:
                item.grad_norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
                item.update_norms = {k: float(np.linalg.norm(params[k] - snapshot[k]))
                                     for k in params}
            yield item
        val_result = evaluate(model, *val) if n_val else None
        elapsed = time.perf_counter() - t0
        done = epoch * n
        rate = done / elapsed
        yield Progress("epoch", epoch, epochs, steps, steps, global_step, loss_sum / n,
                       correct_sum / n, rate, (epochs - epoch) * n / rate, val=val_result,
                       letters=n)


def logits(model: Sequential, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The network's scores (N, classes) for images in any layout `as_input` accepts."""
    out = [model.forward(as_input(x[i:i + batch_size], model.dtype))
           for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, model.num_classes), model.dtype)


def predict_proba(model: Sequential, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Softmax probabilities (N, classes) for images in any layout `as_input` accepts."""
    from cnn.functional import softmax

    return softmax(logits(model, x, batch_size))


def evaluate(model: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int = 256,
             return_probs: bool = False) -> dict:
    """Accuracy, mean loss, per-class accuracy (None where a class is absent), confusion matrix.

    confusion[i, j] counts samples of true class i predicted as j. With return_probs, also
    'probs' (N, classes). ValueError for no letters: an accuracy on none means nothing.
    """
    n = len(x)
    if n == 0:
        raise ValueError("there are no letters to evaluate on")
    classes = model.num_classes
    y = check_labels(y, n, classes)
    probs = predict_proba(model, x, batch_size)
    pred = probs.argmax(axis=1)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (y, pred), 1)
    support = confusion.sum(axis=1)
    per_class = [float(confusion[i, i] / support[i]) if support[i] else None
                 for i in range(classes)]
    picked = probs[np.arange(n), y]
    result = {
        "n": n,
        "accuracy": float((pred == y).mean()),
        "loss": float(-np.log(np.maximum(picked, 1e-12)).mean()),
        "per_class": per_class,
        "confusion": confusion,
        "predictions": pred,
    }
    if return_probs:
        result["probs"] = probs
    return result
