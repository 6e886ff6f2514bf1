"""What the layer guide says about the network, checked against the shipped model and the code."""

import numpy as np

from cnn import checkpoint
from cnn.model import build_model
from cnn.paths import DEFAULT_MODEL
from cnn.preprocess import preprocess_strokes
from gui.layer_guide import explain
from gui.sample_letter import sample_strokes
from tests.step_through_helpers import window_with


def _text(topic: str) -> str:
    return " ".join(explain(topic).split())


def test_relu_dark_is_where_a_sum_was_negative_not_where_nothing_was_found():
    """relu1's map 0 reads its bias (+0.33) on the empty corner and 0 on strokes: the dark
    areas of a map are its zeros, and an empty area is not always one of them."""
    model, _ = checkpoint.load(DEFAULT_MODEL)
    pre = preprocess_strokes(sample_strokes(400, 400), (400, 400))
    assert not pre.image[:2, :2].any()  # the corner and its neighbours hold no ink
    relu1 = model.activations(pre.image[None, None].astype(model.dtype))["relu1"][0]
    bright_on_nothing = np.nonzero(relu1[:, 0, 0] > 0)[0]
    assert len(bright_on_nothing)
    ink = pre.image > 0.5
    assert any((relu1[c][ink] == 0).any() for c in bright_on_nothing)
    text = _text("relu")
    assert "found nothing" not in text
    assert "dark areas are the zeros ReLU made, where a filter's sum was negative" in text


def test_without_relu_only_max_pooling_bends_so_not_every_layer_collapses():
    """The shipped network with its ReLUs taken out is still not one multiplication: max
    pooling bends too. Only layers with no pooling between them (fc1, fc2) collapse."""
    model, _ = checkpoint.load(DEFAULT_MODEL)
    spec = [dict(s) for s in model.spec if s["type"] != "relu"]
    linear = build_model(spec, np.random.default_rng(0), dtype=np.float64)
    for name, layer in linear.layers:
        for key, p in layer.params.items():
            p[...] = model.layer(name).params[key]
    rng = np.random.default_rng(1)
    a, b = rng.random((2, 1, 1, 28, 28))

    def f(x):
        return linear.forward(x)

    assert not np.allclose(f(a + b) - f(a) - f(b) + f(0 * a), 0, atol=1e-6)
    text = _text("relu")
    assert "every layer would collapse" not in text
    assert "layers with no max pooling between them would collapse" in text


def test_max_pooling_forgives_a_stroke_a_pixel_off_not_a_letter_moved_on_the_canvas():
    """A letter drawn further left reaches the network as the same 28×28 input (preprocessing
    crops and centres it): that is not pooling's doing, so the pooling text must not claim it."""
    strokes = sample_strokes(400, 400)
    moved = [s - np.float32([60, 0]) for s in strokes]
    np.testing.assert_allclose(preprocess_strokes(moved, (400, 400)).image,
                               preprocess_strokes(strokes, (400, 400)).image, atol=1e-5)
    # What pooling does forgive: every stroke a pixel to the right changes pool1's maps less
    # than the relu1 maps it pooled (about a quarter less on the sample letter).
    model, _ = checkpoint.load(DEFAULT_MODEL)
    x = preprocess_strokes(strokes, (400, 400)).image[None, None].astype(model.dtype)
    a, b = model.activations(x), model.activations(np.roll(x, 1, axis=3))
    change = {n: np.linalg.norm(a[n] - b[n]) / np.linalg.norm(a[n]) for n in ("relu1", "pool1")}
    assert change["pool1"] < 0.9 * change["relu1"]
    text = _text("maxpool2d")
    assert "letter drawn a little to the left" not in text
    assert "a stroke a pixel away from where it usually is" in text


def test_the_guide_gives_the_spread_a_model_was_drawn_with(qtbot, tmp_path):
    """A network the Train tab started from a Gaussian of σ 0.05 was not drawn with He's
    √(2 / 9) = 0.471 for conv1: the guide's note says the chosen σ, as the Step through's
    Initialisation page does."""
    window = window_with(qtbot, tmp_path)
    guide = window.guide_panel
    guide.show_topic("init")
    assert "conv1: 9 inputs per unit, σ = 0.471" in guide.text()
    model = build_model("small", np.random.default_rng(0), init_std=0.05)
    window.set_model(model, {"training": {"init_std": 0.05}}, "drawn with σ 0.05")
    assert "σ = 0.05, as chosen for training" in guide.text()
    assert "0.471" not in guide.text()
    assert "unless training chose another" in _text("init")


def test_the_pooling_page_says_which_of_tied_numbers_wins_as_the_layers_do():
    """On empty paper a filter gives its bias alone, so pool1's windows there hold four equal
    numbers: the page outlines the first, and both engines send the gradient to that one."""
    from cnn import explain as by_hand
    from cnn.fast.pool import CornerPool
    from gui.layer_guide import explain_step

    model, _ = checkpoint.load(DEFAULT_MODEL)
    pre = preprocess_strokes(sample_strokes(400, 400), (400, 400))
    relu1 = model.activations(pre.image[None, None].astype(model.dtype))["relu1"]
    stop = by_hand.pool_stop(model.layer("pool1"), relu1[0], 0, 0, 0)
    assert (stop.window == stop.window[0, 0]).all() and stop.window[0, 0] > 0
    assert stop.winner == (0, 0)
    x = np.ascontiguousarray(relu1[:, :1, :2, :2])  # that window, as a 2×2 map
    dy = np.ones((1, 1, 1, 1), x.dtype)
    reference, fast = model.layer("pool1"), CornerPool()
    for pool in (reference, fast):
        pool.forward(x)
        np.testing.assert_array_equal(pool.backward(dy)[0, 0], [[1, 0], [0, 0]])
    assert "on a tie, the first, reading row by row" in " ".join(explain_step("maxpool2d").split())


def test_the_guide_says_which_padding_keeps_a_map_its_size():
    """'Padding adds a border of zeros so the map keeps its size' holds for one border only:
    the playground's padding 2 around a 3×3 filter grows a 28-pixel map to 30."""
    from cnn.layers import Conv2d

    def size(k, p):
        return Conv2d(1, 1, kernel_size=k, padding=p).output_shape((1, 28, 28))[1]

    assert size(3, 1) == 28 and size(3, 2) == 30 and size(5, 1) == 26
    text = _text("conv2d")
    assert "so the map keeps its size" not in text
    assert "a border of 1 around a 3×3 filter keeps the map its size" in text
