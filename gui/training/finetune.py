"""Teaching a model a person's handwriting: a few backprop steps on one drawing, or a short
fine-tune on their samples, each mixed with a replay of other letters so nothing else is
forgotten. Pure NumPy (no Qt): the teach controller runs these off the GUI thread.
"""

import numpy as np

from cnn.augment import random_affine
from cnn.data import LetterSet, combine
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import Sequential
from cnn.optim import SGD, Adam
from cnn.train import as_input, evaluate, fit, forward_backward, predict_proba

REPLAY_N = 2600  # synthetic letters kept as the replay pool (100 per letter)
REPLAY_SEED = 7  # a pool of its own, not the training run's letters


def replay_pool(report=None, cancelled=None) -> LetterSet:
    """The replay letters: REPLAY_N synthetic ones, drawn once and then read from the cache."""
    from gui.training.sources import synthetic_set

    kwargs = {k: v for k, v in (("report", report), ("cancelled", cancelled)) if v is not None}
    return synthetic_set(REPLAY_N, REPLAY_SEED, **kwargs)


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


def fine_tune(model: Sequential, mine: LetterSet, replay: LetterSet | None = None, *,
              epochs: int = 4, lr: float = 1e-3, batch_size: int = 32, replay_ratio: int = 3,
              rng: np.random.Generator | None = None) -> dict:
    """Fine-tune `model` in place on my samples plus replay_ratio times as many replay letters
    (at least four batches' worth); my samples are repeated to make a quarter of the mix.

    Returns accuracy on my samples before and after, how many of each were used, and the
    per-epoch loss and accuracy.
    """
    if not len(mine):
        raise ValueError("there are no samples of your handwriting yet: add some first")
    rng = np.random.default_rng() if rng is None else rng
    before = evaluate(model, mine.x, mine.y)["accuracy"]
    sets, n_replay = [mine], 0
    if replay is not None and len(replay):
        n_replay = min(len(replay), max(replay_ratio * len(mine), 4 * batch_size))
        repeats = max(1, round(n_replay / (3 * len(mine))))
        sets = [mine] * repeats
        sets.append(replay.subset(np.sort(rng.choice(len(replay), n_replay, replace=False))))
    data = combine(sets) if len(sets) > 1 else mine
    history = []
    for item in fit(model, data.x, data.y, epochs=epochs, batch_size=batch_size,
                    optimizer=Adam(lr=lr), rng=rng, augment=random_affine):
        if item.kind == "epoch":
            history.append({"loss": item.loss, "accuracy": item.accuracy})
    after = evaluate(model, mine.x, mine.y)["accuracy"]
    return {"before": before, "after": after, "n_mine": len(mine), "n_replay": n_replay,
            "epochs": history}
