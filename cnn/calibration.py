"""How far to trust a probability: expected calibration error and temperature scaling.

A model is calibrated when, of the letters it reads 80 % sure, 8 in 10 are right. ECE bins the
letters by their top probability and averages |accuracy - confidence| over the bins, weighted
by how many letters each holds (Guo et al., "On Calibration of Modern Neural Networks", 2017).
Temperature scaling divides every logit by one number T fitted on held-out letters; it changes
how sure the model is, never which letter it reads.
"""

import numpy as np

from cnn.functional import softmax

ECE_BINS = 15


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per confidence bin (equal widths over (0, 1]): letters, mean confidence, accuracy.

    probs (N, C) rows summing to 1, y (N,) true classes. Empty bins are left out.
    """
    probs, y = np.asarray(probs, np.float64), np.asarray(y)
    if probs.ndim != 2 or len(probs) != len(y):
        raise ValueError(f"probs {probs.shape} and labels {y.shape} do not match")
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    # Bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 joins bin 0.
    which = np.clip(np.ceil(conf * bins).astype(np.int64) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        if members.any():
            rows.append({"low": b / bins, "high": (b + 1) / bins, "n": int(members.sum()),
                         "confidence": float(conf[members].mean()),
                         "accuracy": float(right[members].mean())})
    return rows


def ece(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error in [0, 1]: sum over bins of n_b / N * |acc_b - conf_b|."""
    rows = reliability(probs, y, bins)
    n = sum(r["n"] for r in rows)
    if n == 0:
        raise ValueError("there are no letters to measure calibration on")
    return float(sum(r["n"] / n * abs(r["accuracy"] - r["confidence"]) for r in rows))


def nll(logits: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    """Mean -ln p(true class) of softmax(logits / temperature)."""
    p = softmax(np.asarray(logits, np.float64) / temperature)
    return float(-np.log(np.maximum(p[np.arange(len(y)), y], 1e-300)).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, low: float = 0.05,
                    high: float = 20.0) -> float:
    """The T > 0 that minimises the mean loss of softmax(logits / T) on held-out letters.

    The loss is convex in 1/T, so a golden-section search over log T finds the minimum.
    """
    if len(y) == 0:
        raise ValueError("there are no letters to fit a temperature on")
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = nll(logits, y, np.exp(c)), nll(logits, y, np.exp(d))
    for _ in range(60):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = nll(logits, y, np.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = nll(logits, y, np.exp(d))
    return float(np.exp((a + b) / 2))


def apply_temperature(model, temperature: float) -> None:
    """Divide the model's last linear layer (weight and bias) by `temperature`, in place.

    The logits come out divided by T, so every part of LetterLens that reads the model (the
    window, evaluate, ONNX) shows the calibrated probabilities without knowing about T.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    last = [layer for _, layer in model.layers if "weight" in getattr(layer, "params", {})]
    if not last:
        raise ValueError("the model has no layer with weights to scale")
    for key in ("weight", "bias"):
        if key in last[-1].params:
            last[-1].params[key] *= last[-1].params[key].dtype.type(1 / temperature)
