"""Teaching a model a person's handwriting: a few backprop steps on one drawing, or a short
fine-tune on their samples, each mixed with a replay of other letters so nothing else is
forgotten. Pure NumPy (no Qt): the Train tab's teach controller runs these off the GUI thread.
"""

import numpy as np

from cnn.augment import random_affine
from cnn.data import LetterSet, combine
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import Sequential
from cnn.optim import SGD, Adam
from cnn.runs.sources import synthetic_set
from cnn.train import as_input, evaluate, fit, forward_backward, predict_proba

REPLAY_N = 2600  # synthetic letters kept as the replay pool (100 per letter)
REPLAY_SEED = 7  # a pool of its own, not the training run's letters
# Accuracy on the samples just trained on says little, so fine-tuning keeps some letters out:
HOLD_OUT_EVERY = 4  # every 4th of my samples, in the order added: the same ones every time
MIN_TO_HOLD_OUT = 8  # fewer samples than this are too few to spare any
CHECK_N = 520  # replay letters never fine-tuned on (20 a letter): what it forgets
CHECK_SEED = 11


def replay_pool(report=None, cancelled=None) -> LetterSet:
    """The replay letters: REPLAY_N synthetic ones, drawn once (in two processes, to leave the
    window's cores free) and then read from the cache."""
    kwargs = {k: v for k, v in (("report", report), ("cancelled", cancelled)) if v is not None}
    return synthetic_set(REPLAY_N, REPLAY_SEED, workers=2, **kwargs)


def probabilities(model: Sequential, image28: np.ndarray) -> np.ndarray:
    """(26,) softmax of one (28, 28) image (float in [0, 1] or uint8)."""
    return predict_proba(model, np.asarray(image28)[None])[0].astype(np.float64)


def teach_steps(model: Sequential, image28: np.ndarray, label: int, *, steps: int = 3,
                replay: LetterSet | None = None, rng: np.random.Generator | None = None,
                lr: float = 0.004, copies: int = 8,
                replay_n: int = 56) -> tuple[np.ndarray, np.ndarray]:
    """Train `model` in place for `steps` SGD steps on the drawing (as `copies` lightly
    augmented versions) plus `replay_n` replay letters; returns (probs_before, probs_after)."""
    rng = np.random.default_rng() if rng is None else rng
    dtype = model.dtype
    before = probabilities(model, image28)
    me = np.repeat(as_input(np.asarray(image28)[None], dtype), copies, axis=0)
    # Plain SGD: momentum would carry the last step's push on into the replay letters.
    opt = SGD(lr=lr)
    loss_fn = SoftmaxCrossEntropy()
    params = model.parameters()
    for _ in range(max(1, int(steps))):
        x = np.concatenate([me[:1], random_affine(me[1:], rng)]) if copies > 1 else me
        y = np.full(len(x), int(label), np.int64)
        if replay is not None and len(replay):
            idx = rng.choice(len(replay), min(replay_n, len(replay)), replace=False)
            x = np.concatenate([x, random_affine(as_input(replay.x[idx], dtype), rng)])
            y = np.concatenate([y, replay.y[idx]])
        _, _, grads = forward_backward(model, x, y, loss_fn)
        opt.step(params, grads)
    return before, probabilities(model, image28)


def hold_out(mine: LetterSet) -> tuple[LetterSet, LetterSet | None]:
    """(samples to fine-tune on, samples held out to test on, or None when too few).
    Every HOLD_OUT_EVERY-th in the order added: samples added later do not change which are
    held out; deleting one shifts those after it."""
    if len(mine) < MIN_TO_HOLD_OUT:
        return mine, None
    held = np.arange(len(mine)) % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1
    return mine.subset(np.flatnonzero(~held)), mine.subset(np.flatnonzero(held))


def replay_check(replay: LetterSet) -> tuple[LetterSet, LetterSet]:
    """(replay letters to mix in, a fixed set of them never fine-tuned on: the check)."""
    n = min(CHECK_N, len(replay) // 4)
    order = np.random.default_rng(CHECK_SEED).permutation(len(replay))
    return replay.subset(np.sort(order[n:])), replay.subset(np.sort(order[:n]))


def _accuracy(model: Sequential, s: LetterSet | None) -> float | None:
    return None if s is None or not len(s) else evaluate(model, s.x, s.y)["accuracy"]


def fine_tune(model: Sequential, mine: LetterSet, replay: LetterSet | None = None, *,
              epochs: int = 4, lr: float = 1e-3, batch_size: int = 32, replay_ratio: int = 3,
              rng: np.random.Generator | None = None) -> dict:
    """Fine-tune `model` in place on my samples (less those held out) plus replay_ratio times
    as many replay letters (at least four batches' worth); my samples are repeated to make a
    quarter of the mix.

    Returns accuracy before and after (pairs, None where there was nothing to test) on the
    samples held out, on replay letters kept out of the mix, and on the samples trained on;
    how many of each; and the per-epoch loss and accuracy.
    """
    if not len(mine):
        raise ValueError("there are no samples of your handwriting yet: add some first")
    rng = np.random.default_rng() if rng is None else rng
    train, held = hold_out(mine)
    check = None
    if replay is not None and len(replay):
        replay, check = replay_check(replay)
    tests = {"held_out": held, "replay": check, "trained": train}
    before = {k: _accuracy(model, s) for k, s in tests.items()}
    sets, n_replay = [train], 0
    if replay is not None and len(replay):
        n_replay = min(len(replay), max(replay_ratio * len(train), 4 * batch_size))
        repeats = max(1, round(n_replay / (3 * len(train))))
        sets = [train] * repeats
        sets.append(replay.subset(np.sort(rng.choice(len(replay), n_replay, replace=False))))
    data = combine(sets) if len(sets) > 1 else train
    history = []
    for item in fit(model, data.x, data.y, epochs=epochs, batch_size=batch_size,
                    optimizer=Adam(lr=lr), rng=rng, augment=random_affine):
        if item.kind == "epoch":
            history.append({"loss": item.loss, "accuracy": item.accuracy})
    result = {k: None if before[k] is None else (before[k], _accuracy(model, s))
              for k, s in tests.items()}
    return {**result, "n_mine": len(mine), "n_trained": len(train),
            "n_held_out": 0 if held is None else len(held), "n_replay": n_replay,
            "n_check": 0 if check is None else len(check), "epochs": history}
