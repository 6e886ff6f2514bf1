"""Backprop made visible: dLoss/d(output) of every layer for one sample, and dLoss/d(input)."""

import numpy as np

from cnn.functional import softmax
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import Sequential


def gradient_flow(model: Sequential, image: np.ndarray, label: int) -> dict:
    """One sample's forward, loss and backward, keeping every layer's output gradient.

    image (28, 28) float in [0, 1]. Returns names (layers in order), grads {name: (C, H, W) or
    (F,)} = dL/d(layer output), input_grad (28, 28), probs (26,), loss, label: all new arrays.
    The model's parameters are read only; its layers' caches are overwritten.
    """
    x = np.asarray(image, model.dtype).reshape(1, 1, *image.shape[-2:])
    h = x
    for _, layer in model.layers:
        h = layer.forward(h)
    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn.forward(h, np.array([int(label)]))
    d = loss_fn.backward()
    grads = {}
    for name, layer in reversed(model.layers):
        grads[name] = np.array(d[0], np.float32)
        d = layer.backward(d)
    names = [n for n, _ in model.layers]
    return {"names": names, "grads": {n: grads[n] for n in names},
            "input_grad": np.array(d[0, 0], np.float32),
            "probs": softmax(h.astype(np.float64))[0], "loss": float(loss),
            "label": int(label), "image": np.array(image, np.float32)}


def heat(grad: np.ndarray) -> np.ndarray:
    """A 2-D map of a layer's gradient: |g| summed over channels, or a vector folded square."""
    g = np.abs(np.asarray(grad, np.float32))
    if g.ndim == 3:
        return g.sum(axis=0)
    if g.ndim == 2:
        return g
    side = int(np.ceil(np.sqrt(g.size)))
    out = np.full(side * side, np.nan, np.float32)
    out[:g.size] = g.ravel()
    return out.reshape(side, side)
