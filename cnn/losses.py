"""The fused softmax + cross-entropy loss on integer class labels."""

import numpy as np

from cnn.functional import softmax


def check_labels(labels, n: int, num_classes: int) -> np.ndarray:
    """Return labels as int64 (N,), refusing floats, a wrong length or classes outside range."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"expected {n} labels in a 1-D array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if n and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(f"label {bad} is outside 0..{num_classes - 1}")
    return labels.astype(np.int64, copy=False)


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits (N, C)) against labels (N,); backward gives dlogits.

    With `smoothing` s > 0 the target is not one-hot but 1 - s on the label and s spread evenly
    over all C classes (label smoothing): the network is no longer pushed towards certainty on
    every training letter, and reads letters unlike its training data better.
    """

    def __init__(self, smoothing: float = 0.0):
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"label smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = float(smoothing)
        self.probs = None
        self._labels = None

    def forward(self, logits: np.ndarray, labels) -> float:
        n, c = logits.shape
        labels = check_labels(labels, n, c)
        p = softmax(logits)
        self.probs, self._labels = p, labels
        tiny = np.finfo(p.dtype).tiny
        loss = -np.log(np.maximum(p[np.arange(n), labels], tiny)).mean()
        if self.smoothing:
            spread = -np.log(np.maximum(p, tiny)).mean(axis=1).mean()
            loss = (1.0 - self.smoothing) * loss + self.smoothing * spread
        return float(loss)

    def backward(self) -> np.ndarray:
        """(p - target) / N, a new (N, C) array; target is onehot(labels), smoothed if asked."""
        n, c = self.probs.shape
        d = self.probs.copy()
        if self.smoothing:
            d -= self.smoothing / c
        d[np.arange(n), self._labels] -= 1.0 - self.smoothing
        d /= n
        return d

    def __repr__(self) -> str:
        return f"SoftmaxCrossEntropy(smoothing={self.smoothing:g})" if self.smoothing else \
            "SoftmaxCrossEntropy()"
