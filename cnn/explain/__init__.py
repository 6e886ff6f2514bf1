"""The article's arithmetic on one drawing, in plain NumPy on the model's own weights.

Each function takes a layer (or the model) and the numbers that went into it, and returns every
number a learner needs to follow one step by hand: the patch and the kernel, the products, their
sum, the winner of a pooling window, the softmax table, the loss, one gradient step. The Step
through tab shows these numbers; the tests check them against the layers' own outputs.
"""

from cnn.explain.backprop import BackpropStep, backprop_step
from cnn.explain.convolution import (
    ConvStop,
    conv_stop,
    convolve,
    output_size,
    size_formula,
    toy_image,
    window_starts,
)
from cnn.explain.dense import (
    DenseUnit,
    SoftmaxTable,
    cross_entropy,
    dense_unit,
    loss_curve,
    softmax_table,
)
from cnn.explain.initialisation import WeightHistogram, reinitialised_copy, weight_histogram
from cnn.explain.inputs import layer_input, layers_of_kind
from cnn.explain.maps import (
    PoolStop,
    ReluView,
    flat_index,
    flatten_formula,
    map_position,
    pool_stop,
    relu_view,
)

__all__ = [
    "BackpropStep", "ConvStop", "DenseUnit", "PoolStop", "ReluView", "SoftmaxTable",
    "WeightHistogram", "backprop_step", "conv_stop", "convolve", "cross_entropy", "dense_unit",
    "flat_index", "flatten_formula", "layer_input", "layers_of_kind", "loss_curve",
    "map_position", "output_size", "pool_stop", "reinitialised_copy", "relu_view",
    "size_formula", "softmax_table", "toy_image", "weight_histogram", "window_starts",
]
