"""Write a model as a standard ONNX graph, for other runtimes and for viewers such as Netron.

Every layer becomes one ONNX operator named like the layer (Conv, Relu, MaxPool, Flatten, Gemm),
with the weights as initialisers under their PyTorch names (`conv1.weight`). The graph has two
outputs: `logits` (N, 26) and `probabilities` (N, 26), their softmax. Needs the optional `onnx`
package; `cnn` itself imports without it.
"""

import os
from pathlib import Path

import numpy as np

from cnn.data import LETTERS
from cnn.fileio import atomic_write
from cnn.layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU
from cnn.model import Sequential

OPSET = 17  # every operator here is unchanged since opset 13; 17 is read by runtimes from 2022
IR_VERSION = 8  # the IR version that goes with opset 17, for runtimes and viewers of that age
INSTALL_HINT = ('ONNX export needs the optional onnx package: pip install "letterlens[onnx]" '
                "(or pip install onnx in the environment LetterLens runs in).")


class OnnxUnavailable(ImportError):
    """The onnx package is not installed; the message says how to get it."""


def _onnx():
    try:
        import onnx
    except ImportError as e:
        raise OnnxUnavailable(INSTALL_HINT) from e
    return onnx


def _node(helper, name: str, layer: Layer, x: str, out: str) -> tuple[list, list]:
    """(nodes, initialisers) for one layer reading tensor `x` and writing tensor `out`."""
    from onnx import numpy_helper

    def weights(*keys):
        return [numpy_helper.from_array(np.ascontiguousarray(layer.params[k], np.float32),
                                        f"{name}.{k}") for k in keys]

    if isinstance(layer, Conv2d):
        k, s, p = layer.kernel_size, layer.stride, layer.padding
        node = helper.make_node("Conv", [x, f"{name}.weight", f"{name}.bias"], [out], name=name,
                                kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p],
                                dilations=[1, 1], group=1)
        return [node], weights("weight", "bias")
    if isinstance(layer, ReLU):
        return [helper.make_node("Relu", [x], [out], name=name)], []
    if isinstance(layer, MaxPool2d):
        k, s = layer.kernel_size, layer.stride
        # Floor rounding and no padding, like the layer (ceil_mode defaults to 0).
        node = helper.make_node("MaxPool", [x], [out], name=name, kernel_shape=[k, k],
                                strides=[s, s])
        return [node], []
    if isinstance(layer, Flatten):
        return [helper.make_node("Flatten", [x], [out], name=name, axis=1)], []
    if isinstance(layer, Linear):
        # PyTorch's weight (out, in): y = x W^T + b is Gemm with transB.
        node = helper.make_node("Gemm", [x, f"{name}.weight", f"{name}.bias"], [out], name=name,
                                transB=1)
        return [node], weights("weight", "bias")
    raise ValueError(f"layer {name}: no ONNX operator for a {layer.kind or type(layer).__name__} "
                     "layer")


def to_onnx(model: Sequential, name: str = "LetterLens"):
    """The model as an onnx.ModelProto, checked; input `input` float32 (N, 1, 28, 28) in [0, 1]."""
    onnx = _onnx()
    helper = onnx.helper
    nodes, inits = [], []
    x = "input"
    last = len(model.layers) - 1
    for i, (layer_name, layer) in enumerate(model.layers):
        # Own names for the tensors between layers: a layer may be called "input" or "logits".
        out = "logits" if i == last else f"{layer_name}/output"
        new_nodes, new_inits = _node(helper, layer_name, layer, x, out)
        nodes += new_nodes
        inits += new_inits
        x = out
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"],
                                  name="softmax/probabilities", axis=1))
    f32 = onnx.TensorProto.FLOAT
    classes = model.num_classes
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", f32, ["N", *model.input_shape])],
        [helper.make_tensor_value_info("logits", f32, ["N", classes]),
         helper.make_tensor_value_info("probabilities", f32, ["N", classes])],
        initializer=inits)
    proto = helper.make_model(graph, producer_name="LetterLens",
                              opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION,
                              doc_string="A letter reader: input (N, 1, 28, 28) float32, white "
                              "ink on black in [0, 1], cropped and centred as LetterLens does; "
                              "outputs the scores and probabilities of A..Z.")
    helper.set_model_props(proto, {"name": name, "classes": LETTERS[:classes]})
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as e:
        raise ValueError(f"the ONNX graph does not check out: {e}") from e
    return proto


def export_onnx(model: Sequential, path: str | os.PathLike, name: str = "LetterLens") -> Path:
    """Write the model's ONNX graph to `path` atomically; returns the path written."""
    data = to_onnx(model, name).SerializeToString()
    return atomic_write(path, lambda f: f.write(data))
