"""What each layer reads: the drawing for the first layer, the previous layer's output after."""

import numpy as np

from cnn.model import Sequential


def layer_input(model: Sequential, image: np.ndarray, activations: dict[str, np.ndarray],
                name: str) -> np.ndarray:
    """The numbers layer `name` received for one drawing: image (28, 28) for the first layer,
    else the previous layer's output from `activations` (one sample: (C, H, W) or (F,))."""
    names = [n for n, _ in model.layers]
    i = names.index(name)
    if i == 0:
        return np.asarray(image).reshape(model.input_shape)
    return activations[names[i - 1]]


def layers_of_kind(model: Sequential, kind: str) -> list[str]:
    """Names of the layers of one kind ('conv2d', 'relu', 'maxpool2d', 'flatten', 'linear')."""
    return [n for n, layer in model.layers if layer.kind == kind]
