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
    """Mean cross-entropy of softmax(logits (N, C)) against labels (N,); backward gives dlogits."""

    def __init__(self):
        self.probs = None
        self._labels = None

    def forward(self, logits: np.ndarray, labels) -> float:
        n, c = logits.shape
        labels = check_labels(labels, n, c)
        p = softmax(logits)
        self.probs, self._labels = p, labels
        picked = p[np.arange(n), labels]
        return float(-np.log(np.maximum(picked, np.finfo(p.dtype).tiny)).mean())

    def backward(self) -> np.ndarray:
        """(p - onehot(labels)) / N, a new (N, C) array."""
        n = self.probs.shape[0]
        d = self.probs.copy()
        d[np.arange(n), self._labels] -= 1.0
        d /= n
        return d

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"
