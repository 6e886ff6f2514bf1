"""cnn.explain on its own: every number it works out by hand equals what the layers computed,
at random positions of every chapter, for the shipped model and for a strided toy network."""

import numpy as np
import pytest

from cnn import explain
from cnn.checkpoint import load
from cnn.functional import softmax
from cnn.layers import Conv2d
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model
from cnn.paths import DEFAULT_MODEL
from cnn.preprocess import preprocess_strokes
from gui.sample_letter import sample_strokes

POSITIONS = 25  # random positions tried per layer

# A network with a stride-2, padding-2 convolution and a 3×3 stride-2 pooling, so the stride
# and padding arithmetic is tested away from the presets' stride 1, padding 1.
ODD_SPEC = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2, "padding": 2},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
    {"type": "conv2d", "out_channels": 5, "kernel_size": 3, "stride": 1, "padding": 0},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "linear", "out_features": 26},
]


def sample_image() -> np.ndarray:
    return preprocess_strokes(sample_strokes(400, 400), (400, 400)).image


def models():
    shipped, _ = load(DEFAULT_MODEL)
    return {"shipped": shipped, "odd": build_model(ODD_SPEC, np.random.default_rng(3))}


@pytest.fixture(scope="module", params=["shipped", "odd"])
def case(request):
    model = models()[request.param]
    image = sample_image()
    acts = {k: v[0] for k, v in model.activations(image[None, None]).items()}
    return model, image, acts


def close(shown: float, activation: float, terms: np.ndarray) -> bool:
    """Float32 layers against a float64 sum: rtol 1e-4, plus float32 rounding over the terms."""
    bound = 1e-4 * abs(activation) + 1e-6 * float(np.abs(terms).sum()) + 1e-7
    return abs(shown - activation) <= bound


def test_every_convolution_stop_sums_to_the_layers_output(case):
    model, image, acts = case
    rng = np.random.default_rng(0)
    for name in explain.layers_of_kind(model, "conv2d"):
        layer = model.layer(name)
        x = explain.layer_input(model, image, acts, name)
        out = acts[name]
        for _ in range(POSITIONS):
            f, r, c = (int(rng.integers(n)) for n in out.shape)
            stop = explain.conv_stop(layer, x, f, r, c)
            assert close(stop.total, float(out[f, r, c]), stop.products), (name, f, r, c)
            assert stop.total == pytest.approx(stop.running_sums[-1] + stop.bias)
            k, s, p = layer.kernel_size, layer.stride, layer.padding
            assert (stop.top, stop.left) == (r * s - p, c * s - p)
            assert stop.patch.shape == stop.kernel.shape == (x.shape[0], k, k)
            # The padding reads as zeros and is marked as such.
            assert not stop.patch[:, stop.in_padding].any()
            np.testing.assert_array_equal(stop.kernel, layer.params["weight"][f])


def test_a_window_on_the_corner_lies_partly_on_the_padding():
    layer = Conv2d(1, 1, 3, stride=1, padding=1, rng=np.random.default_rng(0))
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4) + 1
    stop = explain.conv_stop(layer, x, 0, 0, 0)
    assert (stop.top, stop.left) == (-1, -1)
    assert stop.in_padding[0].all() and stop.in_padding[:, 0].all()
    assert not stop.in_padding[1:, 1:].any()
    np.testing.assert_array_equal(stop.patch[0, 1:, 1:], [[1, 2], [5, 6]])


def test_relu_zeroes_exactly_the_negatives(case):
    model, image, acts = case
    for name in explain.layers_of_kind(model, "relu"):
        before = explain.layer_input(model, image, acts, name)
        view = explain.relu_view(before)
        np.testing.assert_array_equal(view.after, acts[name])
        assert view.zeroed_count == int((before < 0).sum())
        assert (view.after[view.zeroed] == 0).all()


def test_every_pooling_winner_is_the_pooled_value(case):
    model, image, acts = case
    rng = np.random.default_rng(1)
    for name in explain.layers_of_kind(model, "maxpool2d"):
        layer = model.layer(name)
        x = explain.layer_input(model, image, acts, name)
        out = acts[name]
        for _ in range(POSITIONS):
            ch, r, c = (int(rng.integers(n)) for n in out.shape)
            stop = explain.pool_stop(layer, x, ch, r, c)
            assert stop.value == out[ch, r, c]
            assert stop.window.max() == stop.value
            assert (stop.top, stop.left) == (r * layer.stride, c * layer.stride)
            wr, wc = stop.winner
            assert x[ch, stop.top + wr, stop.left + wc] == stop.value


def test_flatten_positions_go_there_and_back(case):
    model, image, acts = case
    name = explain.layers_of_kind(model, "flatten")[0]
    shape = explain.layer_input(model, image, acts, name).shape
    flat = acts[name]
    assert explain.flatten_formula(shape).endswith(f"= {flat.size:,}")
    rng = np.random.default_rng(2)
    before = explain.layer_input(model, image, acts, name)
    for i in rng.integers(flat.size, size=POSITIONS):
        ch, r, c = explain.map_position(shape, int(i))
        assert explain.flat_index(shape, ch, r, c) == i
        assert flat[i] == before[ch, r, c]


def test_every_fully_connected_unit_sums_to_its_output(case):
    model, image, acts = case
    rng = np.random.default_rng(4)
    for name in explain.layers_of_kind(model, "linear"):
        layer = model.layer(name)
        x = explain.layer_input(model, image, acts, name)
        for unit in rng.integers(layer.out_features, size=POSITIONS):
            u = explain.dense_unit(layer, x, int(unit))
            assert close(u.total, float(acts[name][unit]), u.contributions), (name, unit)
            top = u.largest(5)
            sizes = np.abs(u.contributions[top])
            assert (np.diff(sizes) <= 0).all() and sizes[0] == np.abs(u.contributions).max()


def test_softmax_table_is_the_prediction_and_adds_up_to_one(case):
    model, _, acts = case
    scores = acts[model.layers[-1][0]]
    table = explain.softmax_table(scores)
    # The Prediction dock's probabilities are computed this way (gui.predictor).
    want = softmax(scores[None].astype(np.float64))[0]
    np.testing.assert_allclose(table.probs, want, rtol=1e-12, atol=1e-15)
    assert table.probs.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(table.exps, np.exp(scores.astype(np.float64) - table.shift))


def test_softmax_table_stays_finite_for_huge_scores():
    table = explain.softmax_table(np.array([1000.0, 999.0, -5.0]))
    assert table.shift == 1000.0 and np.isfinite(table.exps).all()
    np.testing.assert_allclose(table.probs[:2] / table.probs[:2].sum(),
                               [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])


def test_loss_is_minus_ln_p_and_matches_the_training_loss(case):
    model, _, acts = case
    scores = acts[model.layers[-1][0]]
    probs = explain.softmax_table(scores).probs
    for true in (0, int(np.argmax(probs)), 25):
        loss = explain.cross_entropy(probs, true)
        assert loss == pytest.approx(-np.log(probs[true]))
        engine = SoftmaxCrossEntropy().forward(scores[None].astype(np.float64), [true])
        assert loss == pytest.approx(engine, rel=1e-9)
    p, curve = explain.loss_curve()
    assert (np.diff(curve) < 0).all() and curve[-1] == 0.0


def test_backprop_step_gradients_match_the_engines_backward(case):
    model, image, _ = case
    before_state = model.state_dict()
    probs = explain.softmax_table(model.activations(image[None, None])[model.layers[-1][0]][0])
    true = int(np.argsort(probs.probs)[-2])  # a letter it does not pick
    step = explain.backprop_step(model, image, true, lr=0.05)
    for k, v in model.state_dict().items():  # the model itself is not touched
        np.testing.assert_array_equal(v, before_state[k])
    # The engine's own backward (the fused training path), in float64.
    ref = model.copy().astype(np.float64)
    x = image[None, None].astype(np.float64)
    logits = ref.forward(x)
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, [true])
    dlogits = loss.backward()
    np.testing.assert_allclose(step.score_grads, dlogits[0], rtol=1e-4, atol=1e-6)
    ref.backward(dlogits)
    grads = ref.gradients()
    scale = np.abs(grads[f"{step.layer}.weight"]).max()
    np.testing.assert_allclose(step.kernel_grads, grads[f"{step.layer}.weight"],
                               rtol=1e-3, atol=1e-4 * scale)
    # The step is plain gradient descent on every parameter.
    after = step.model.state_dict()
    for key, g in grads.items():
        want = before_state[key] - 0.05 * g
        np.testing.assert_allclose(after[key], want, rtol=1e-4,
                                   atol=1e-4 * 0.05 * np.abs(g).max() + 1e-7)
    np.testing.assert_allclose(step.kernel_deltas, -0.05 * step.kernel_grads, rtol=1e-3,
                               atol=1e-4 * 0.05 * scale)
    # Following the gradient raises the right letter's probability, lowers the loss.
    assert step.probs_after[true] > step.probs_before[true]
    assert step.loss_after < step.loss_before


def test_playground_sizes_follow_the_formula_and_the_layer():
    image = sample_image()
    kernel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    for source in (image, explain.toy_image(7)):
        n = source.shape[0]
        for s in (1, 2, 3):
            for p in (0, 1, 2):
                size = explain.output_size(n, 3, s, p)
                assert size == (n + 2 * p - 3) // s + 1
                assert explain.size_formula(n, 3, s, p).endswith(f"= {size}")
                starts = explain.window_starts(n, 3, s, p)
                assert len(starts) == size and starts[0] == -p
                assert all(b - a == s for a, b in zip(starts, starts[1:], strict=False))
                layer = Conv2d(1, 1, 3, stride=s, padding=p, rng=np.random.default_rng(0))
                layer.params["weight"][0, 0] = kernel
                layer.params["bias"][0] = 0.5
                out = layer.forward(source[None, None].astype(np.float32))[0, 0]
                assert out.shape == (size, size)
                mine = explain.convolve(source, kernel, s, p, bias=0.5)
                np.testing.assert_allclose(mine, out, rtol=1e-5, atol=1e-5)
    assert explain.size_formula(7, 3, 2, 0) == "(7 + 2·0 − 3) / 2 + 1 = 4 / 2 + 1 = 3"
    assert explain.size_formula(28, 3, 2, 0) == "⌊(28 + 2·0 − 3) / 2⌋ + 1 = ⌊12.5⌋ + 1 = 13"
    assert explain.output_size(2, 3, 1, 0) == 0


def test_weight_histogram_against_he_and_a_fresh_copy(case):
    model, image, _ = case
    for name in explain.layers_of_kind(model, "conv2d") + explain.layers_of_kind(model, "linear"):
        layer = model.layer(name)
        h = explain.weight_histogram(layer)
        w = layer.params["weight"]
        assert h.count == w.size and h.fan_in == w[0].size
        assert h.std == pytest.approx(np.sqrt(2 / h.fan_in)) and h.he
        assert h.expected.sum() == pytest.approx(w.size, rel=1e-3)  # ±4σ holds nearly all
    fresh = explain.reinitialised_copy(model, np.random.default_rng(0))
    assert fresh.spec == model.spec
    for key, v in fresh.parameters().items():
        assert not np.array_equal(v, model.parameters()[key]) or not v.any()
    conv = explain.layers_of_kind(fresh, "conv2d")[-1]
    h = explain.weight_histogram(fresh.layer(conv))
    assert h.std_now == pytest.approx(h.std, rel=0.1)  # freshly drawn: the Gaussian's spread
    given = explain.weight_histogram(model.layer(conv), init_std=0.01)
    assert given.std == 0.01 and not given.he
