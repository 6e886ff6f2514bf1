"""One gradient step on one drawing, on a copy of the model: how wrong each score was
(p − target), how that flows back to a convolution's kernels, and what the step changed."""

from dataclasses import dataclass, field

import numpy as np

from cnn.explain.convolution import pad
from cnn.explain.dense import cross_entropy, softmax_table
from cnn.model import Sequential


@dataclass(frozen=True)
class BackpropStep:
    """Before and after one step of plain gradient descent (w ← w − lr · ∂loss/∂w)."""

    true: int  # the right letter's class
    lr: float
    probs_before: np.ndarray  # (C,)
    probs_after: np.ndarray  # (C,)
    layer: str  # the convolution whose kernels are shown
    kernels_before: np.ndarray  # (F, Cin, k, k)
    kernels_after: np.ndarray  # (F, Cin, k, k)
    kernel_grads: np.ndarray  # (F, Cin, k, k) ∂loss/∂weight, worked out by hand below
    output_grads: dict[str, np.ndarray] = field(repr=False)  # ∂loss/∂(each layer's output)
    model: Sequential = field(repr=False)  # the copy, after the step
    base: Sequential = field(repr=False)  # the model the copy was made from (not changed)

    @property
    def score_grads(self) -> np.ndarray:
        """(C,) ∂loss/∂score = p − target: positive pushes a score down, negative up."""
        return self.output_grads[self.model.layers[-1][0]]

    @property
    def loss_before(self) -> float:
        return cross_entropy(self.probs_before, self.true)

    @property
    def loss_after(self) -> float:
        return cross_entropy(self.probs_after, self.true)

    @property
    def kernel_deltas(self) -> np.ndarray:
        """(F, Cin, k, k) how much each kernel weight moved: −lr × its gradient."""
        return self.kernels_after - self.kernels_before


def kernel_gradients(x: np.ndarray, output_grad: np.ndarray, k: int, stride: int,
                     padding: int) -> np.ndarray:
    """∂loss/∂weight (F, C, k, k) of a convolution that read x (C, H, W), given ∂loss/∂output
    (F, Ho, Wo): each weight met one input pixel at every stop, so its gradient is the sum over
    stops of that pixel × the gradient of the output the stop made."""
    xp = pad(np.asarray(x, np.float64), padding)
    g = np.asarray(output_grad, np.float64)
    _, ho, wo = g.shape
    grads = np.zeros((g.shape[0], x.shape[0], k, k))
    for i in range(k):
        for j in range(k):
            seen = xp[:, i:i + stride * ho:stride, j:j + stride * wo:stride]  # (C, Ho, Wo)
            grads[:, :, i, j] = np.einsum("fhw,chw->fc", g, seen)
    return grads


def backprop_step(model: Sequential, image: np.ndarray, true: int, lr: float = 0.01,
                  layer: str | None = None) -> BackpropStep:
    """One step on a copy of `model` for the drawing image (28, 28) whose right letter is
    class `true`; `model` itself is not changed. `layer` is the convolution to show (the
    first by default)."""
    convs = [n for n, lay in model.layers if lay.kind == "conv2d"]
    layer = layer or (convs[0] if convs else None)
    if layer not in convs:
        raise ValueError(f"{layer!r} is not a convolution of this model ({convs})")
    # The reference layers, each alone: their own backward gives every layer's output gradient.
    work = model.copy().set_engine("reference")
    x = np.asarray(image).reshape((1, *model.input_shape)).astype(work.dtype)
    acts = work.activations(x)
    names = [n for n, _ in work.layers]
    probs_before = softmax_table(acts[names[-1]][0]).probs

    # The loss is −ln p(true); its gradient with respect to each score is p − target.
    d = probs_before.copy()
    d[true] -= 1.0
    d = d[None].astype(work.dtype)
    output_grads = {}
    for i in range(len(names) - 1, -1, -1):  # backwards, from the scores to the input
        output_grads[names[i]] = d[0]
        d = work.layers[i][1].backward(d)

    conv = work.layer(layer)
    seen = x[0] if names.index(layer) == 0 else acts[names[names.index(layer) - 1]][0]
    grads = kernel_gradients(seen, output_grads[layer], conv.kernel_size, conv.stride,
                             conv.padding)
    before = conv.params["weight"].copy()
    for _, lay in work.layers:  # plain gradient descent, every weight and bias at once
        for key, p in lay.params.items():
            p -= np.asarray(lr * lay.grads[key], p.dtype)
    after_scores = work.activations(x)[names[-1]][0]
    return BackpropStep(int(true), float(lr), probs_before, softmax_table(after_scores).probs,
                        layer, before, conv.params["weight"].copy(), grads, output_grads,
                        work, model)
