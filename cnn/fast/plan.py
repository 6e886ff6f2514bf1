"""The fast engine's steps for a list of named layers, fusing where it is exact:

- conv -> ReLU -> 2x2 max-pool (even conv output): the convolution emits the four corners of
  every pooling window as contiguous blocks, pooled block by block, the ReLU on the pooled
  quarter only;
- ReLU -> 2x2 max-pool: pool, then clamp the pooled quarter (pool(relu) == relu(pool)).

Convolutions, linear layers and 2x2 max-pools alone run their fast forms; every other layer
(flatten, ReLU, other pools) runs its reference code: there is nothing faster to do for it.
"""

import numpy as np

from cnn.fast.conv import FastConv
from cnn.fast.linear import FastLinear
from cnn.fast.pool import CornerPool
from cnn.layers import Conv2d, Layer, Linear, MaxPool2d, ReLU
from cnn.plan import Plain


def _corner_pool(layer: Layer) -> bool:
    return isinstance(layer, MaxPool2d) and layer.kernel_size == 2 and layer.stride == 2


class ConvReluPool:
    """conv -> ReLU -> 2x2 max-pool as one step: x (N, C, H, W) -> (N, O, Ho/2, Wo/2)."""

    def __init__(self, conv: FastConv, out_shape: tuple[int, int, int]):
        self.conv, self.pool, self.out_shape = conv, CornerPool(relu=True), out_shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        o, ho, wo = self.out_shape
        y = self.pool.forward_quads(self.conv.forward(x, pooled=True))  # (N*Ho*Wo, O)
        return y.reshape(x.shape[0], ho, wo, o).transpose(0, 3, 1, 2)

    def backward(self, dy: np.ndarray, need_dx: bool = True,
                 need_grads: bool = True) -> np.ndarray | None:
        rows = np.ascontiguousarray(dy.transpose(0, 2, 3, 1)).reshape(-1, dy.shape[1])
        return self.conv.backward(self.pool.backward_quads(rows), need_dx, need_grads)


def _alone(layer: Layer):
    if isinstance(layer, Conv2d):
        return FastConv(layer)
    if isinstance(layer, Linear):
        return FastLinear(layer)
    if _corner_pool(layer):
        return CornerPool()
    return Plain(layer)


def fast_plan(layers: list[tuple[str, Layer]], shapes: dict[str, tuple[int, ...]]):
    """(steps for forward as (names, step), one step per layer for activations)."""
    layerwise = [_alone(layer) for _, layer in layers]
    names = [name for name, _ in layers]
    kinds = [layer for _, layer in layers]
    steps, i = [], 0
    while i < len(layers):
        nxt = kinds[i + 1:i + 3]
        if (len(nxt) == 2 and isinstance(kinds[i], Conv2d) and isinstance(nxt[0], ReLU)
                and _corner_pool(nxt[1]) and all(v % 2 == 0 for v in shapes[names[i]][1:])):
            count, step = 3, ConvReluPool(layerwise[i], shapes[names[i + 2]])
        elif nxt and isinstance(kinds[i], ReLU) and _corner_pool(nxt[0]):
            count, step = 2, CornerPool(relu=True)
        else:
            count, step = 1, layerwise[i]
        steps.append(("+".join(names[i:i + count]), step))
        i += count
    return steps, layerwise
