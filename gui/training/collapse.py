"""Noticing a model that reads every letter as one: what a far too high learning rate leaves
behind, with a loss that stays finite and a run that 'finishes'. Pure NumPy (no Qt)."""

import numpy as np

from cnn.data import LETTERS
from cnn.runs.config import DEFAULT_LR

_NAMES = {"adam": "Adam", "sgd": "SGD with momentum"}

SHARE = 0.9  # this share of the predictions on one letter...
MIN_KINDS = 3  # ...while the letters are of at least this many kinds...
MIN_LETTERS = 20  # ...and there are enough of them to tell


def collapsed_to(pred: np.ndarray, y: np.ndarray) -> tuple[int, float] | None:
    """(class, share of predictions) when SHARE or more of the predictions pred (N,) are one
    class while the true labels y (N,) are spread over several; None otherwise."""
    pred, y = np.asarray(pred, np.int64), np.asarray(y, np.int64)
    if len(pred) < MIN_LETTERS or len(pred) != len(y):
        return None
    counts = np.bincount(pred, minlength=len(LETTERS))
    top = int(np.argmax(counts))
    share = counts[top] / len(pred)
    truth = np.bincount(y, minlength=len(LETTERS))
    if share < SHARE or (truth > 0).sum() < MIN_KINDS or truth.max() >= SHARE * len(y):
        return None
    return top, float(share)


def collapse_warning(found: dict[str, tuple[int, float]], epoch: int, optimizer: str = "adam",
                     lr: float | None = None) -> str:
    """A sentence for the person: found maps 'training' / 'validation' to collapsed_to's; the
    advice names the run's optimizer ('adam' or 'sgd') and, when known, its learning rate."""
    parts = [f"{share:.0%} of the {where} letters as {LETTERS[k]}"
             for where, (k, share) in found.items()]
    return (f"After epoch {epoch} the network reads " + " and ".join(parts)
            + ": it has collapsed to one letter and is not useful as it is. "
            + _advice(optimizer, lr))


def _advice(optimizer: str, lr: float | None) -> str:
    name, usual = _NAMES.get(optimizer, "Adam"), DEFAULT_LR.get(optimizer, DEFAULT_LR["adam"])
    rate = "The learning rate" if lr is None else f"The learning rate ({lr:g})"
    if lr is not None and lr <= usual:  # not the rate: say what else a person can change
        return (f"{rate} is not above {name}'s usual {usual:g}; try a smaller one, or train "
                "from scratch again.")
    return f"{rate} is probably far too high; try {usual:g} with {name}."
