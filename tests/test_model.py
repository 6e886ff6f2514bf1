import subprocess
import sys

import numpy as np
import pytest

from cnn.losses import SoftmaxCrossEntropy
from cnn.model import PRESETS, build_model
from tests.gradcheck import assert_close, numeric_grad
from tests.tolerance import assert_close_float32, network_fan_in

TINY = [
    {"type": "conv2d", "out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 10},
    {"type": "relu"},
    {"type": "linear", "out_features": 26},
]


def _tiny(dtype=np.float64):
    return build_model(TINY, np.random.default_rng(0), dtype=dtype)


def test_whole_network_gradients_input_and_every_parameter():
    rng = np.random.default_rng(1)
    model = _tiny()
    for p in model.parameters().values():  # non-zero biases, so their gradients are tested too
        p += 0.05 * rng.standard_normal(p.shape)
    x = rng.random((3, 1, 28, 28))
    y = np.array([0, 5, 25])
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x), y)
    dx = model.backward(loss.backward(), need_input_grad=True)
    grads = {k: g.copy() for k, g in model.gradients().items()}

    def f():
        return loss.forward(model.forward(x), y)

    idx, num = numeric_grad(f, x, max_entries=80, rng=rng)
    assert_close(dx, idx, num)
    params = model.parameters()
    assert set(grads) == set(params)
    for name, p in params.items():
        idx, num = numeric_grad(f, p, max_entries=40, rng=rng)
        assert_close(grads[name], idx, num)


def test_fused_steps_match_layer_by_layer_on_ties():
    """forward/backward fuse conv -> ReLU -> pool and ReLU -> pool; activations runs each
    layer alone: the same numbers, up to the order of the sums inside a matrix product."""
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        model = _tiny(dtype)
        model.layer("conv1").params["bias"][:] = [0.2, -0.1, 0.0]  # flat areas: positive ties
        x = np.zeros((4, 1, 28, 28), dtype)
        x[:2, 0, 8:20, 10:14] = rng.random((2, 12, 4))  # two strokes, two blank images
        y = np.array([3, 7, 0, 25])
        loss = SoftmaxCrossEntropy()
        loss.forward(model.forward(x), y)
        # conv1 (28x28 out) runs fused with relu1 and pool1; relu2 with pool2 (7x7, odd).
        assert model.plan.describe() == ("conv1+relu1+pool1, conv2, relu2+pool2, flatten, fc1, "
                                         "relu3, fc2")
        dx_fused = model.backward(loss.backward(), need_input_grad=True)
        fused = {k: g.copy() for k, g in model.gradients().items()}
        logits = model.activations(x)["fc2"]
        loss.forward(logits, y)
        dx_plain = model.backward(loss.backward(), need_input_grad=True)
        if dtype == np.float64:
            np.testing.assert_allclose(dx_fused, dx_plain, rtol=1e-12, atol=1e-12)
            for name, g in model.gradients().items():
                np.testing.assert_allclose(fused[name], g, rtol=1e-12, atol=1e-12, err_msg=name)
        else:
            # A weight's gradient sums over every output position of the batch (4 x 28 x 28
            # for conv1), in the order each path keeps its rows.
            terms = x.shape[0] * 28 * 28 + network_fan_in(model)
            assert_close_float32(dx_fused, dx_plain, terms)
            for name, g in model.gradients().items():
                assert_close_float32(fused[name], g, terms, err_msg=name)
        assert np.abs(fused["conv1.bias"]).sum() > 0


def test_loss_gradient_is_p_minus_onehot_over_n():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((4, 26))
    y = np.array([1, 2, 3, 25])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert value == pytest.approx(-np.log(p[np.arange(4), y]).mean())
    onehot = np.eye(26)[y]
    np.testing.assert_allclose(loss.backward(), (p - onehot) / 4, atol=1e-12)
    assert np.isfinite(loss.forward(np.array([[1e4, 0.0] + [0.0] * 24]), np.array([1])))


def test_smoothed_loss_is_cross_entropy_against_soft_targets_and_its_gradient():
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((5, 26)) * 3
    y = np.array([0, 4, 9, 13, 25])
    loss = SoftmaxCrossEntropy(smoothing=0.2)
    value = loss.forward(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    target = np.full((5, 26), 0.2 / 26)
    target[np.arange(5), y] += 0.8
    assert value == pytest.approx(-(target * np.log(p)).sum(1).mean(), rel=1e-12)
    d = loss.backward()
    np.testing.assert_allclose(d, (p - target) / 5, atol=1e-12)
    np.testing.assert_allclose(d.sum(1), 0.0, atol=1e-12)  # soft targets still sum to one

    def f():
        return loss.forward(logits, y)

    idx, num = numeric_grad(f, logits, max_entries=60, rng=rng)
    assert_close(d, idx, num)
    # Without smoothing it is the plain loss; certainty is no longer the optimum with it.
    assert SoftmaxCrossEntropy(0.0).forward(logits, y) == pytest.approx(
        SoftmaxCrossEntropy().forward(logits, y))
    sure = np.zeros((1, 26))
    sure[0, 3] = 30.0
    assert loss.forward(sure, np.array([3])) > loss.forward(sure / 6, np.array([3]))
    with pytest.raises(ValueError, match="smoothing"):
        SoftmaxCrossEntropy(1.0)


def test_labels_outside_range_refused():
    loss = SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="26"):
        loss.forward(np.zeros((2, 26)), np.array([0, 26]))
    with pytest.raises(ValueError, match="-1"):
        loss.forward(np.zeros((2, 26)), np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer"):
        loss.forward(np.zeros((2, 26)), np.array([0.0, 1.0]))


def test_input_shape_and_dtype_refused_with_clear_messages():
    model = build_model("small", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        model.forward(np.zeros((28, 28), np.float32))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        model.forward(np.zeros((2, 1, 32, 32), np.float32))
    with pytest.raises(TypeError, match="uint8"):
        model.forward(np.zeros((1, 1, 28, 28), np.uint8))


def test_activations_every_layer_in_order_and_names():
    model = build_model("small", np.random.default_rng(0))
    x = np.random.default_rng(1).random((2, 1, 28, 28), dtype=np.float32)
    acts = model.activations(x)
    assert list(acts) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten",
                          "fc1", "relu3", "fc2"]
    assert acts["conv1"].shape == (2, 8, 28, 28)
    assert acts["pool2"].shape == (2, 16, 7, 7)
    assert acts["fc2"].shape == (2, 26)
    assert all(a.dtype == np.float32 for a in acts.values())
    kept = {k: v.copy() for k, v in acts.items()}
    # forward runs fused steps, activations each layer alone: the same sums in another order.
    assert_close_float32(model.forward(x), acts["fc2"], network_fan_in(model))
    for name, a in acts.items():  # a later forward leaves the returned outputs alone
        np.testing.assert_array_equal(a, kept[name], err_msg=name)


def test_input_gradient_is_the_class_score_gradient():
    rng = np.random.default_rng(3)
    model = _tiny()
    x = rng.random((1, 1, 28, 28))
    g = model.input_gradient(x, 7)
    assert g.shape == x.shape

    def f():
        return float(model.forward(x)[0, 7])

    idx, num = numeric_grad(f, x, max_entries=60, rng=rng)
    assert_close(g, idx, num)
    with pytest.raises(ValueError, match="class index"):
        model.input_gradient(x, 26)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_dx_alone_is_the_full_backwards_dx_and_leaves_the_gradients(engine):
    """What the window's saliency map asks for: without the parameters' gradients, the same
    dx, by forward's fused steps and by activations' layer-by-layer ones, and `grads` untouched."""
    rng = np.random.default_rng(4)
    model = _tiny(np.float64).set_engine(engine)
    x = rng.random((2, 1, 28, 28))
    d = rng.standard_normal((2, 26))
    for run in (model.forward, model.activations):
        run(x)
        full = model.backward(d, need_input_grad=True)
        before = {k: g.copy() for k, g in model.gradients().items()}
        for g in model.gradients().values():
            g[...] = 7.0  # a later dx-only pass must not touch these
        run(x)
        alone = model.backward(d, need_input_grad=True, need_param_grads=False)
        np.testing.assert_allclose(alone, full, rtol=1e-12, atol=1e-12)
        assert all((g == 7.0).all() for g in model.gradients().values())
        assert any(np.abs(g).sum() > 0 for g in before.values())


def test_presets_and_spec_round_trip():
    assert {"small", "default", "large"} <= set(PRESETS)
    for name in PRESETS:
        model = build_model(name, np.random.default_rng(0))
        assert model.output_shapes()["fc2"] == (26,)
        again = build_model(model.spec, np.random.default_rng(1))
        assert again.spec == model.spec
    small = build_model("small", np.random.default_rng(0)).parameters()
    assert small["conv1.weight"].shape == (8, 1, 3, 3)
    assert small["conv2.weight"].shape == (16, 8, 3, 3)
    assert small["fc1.weight"].shape == (128, 16 * 7 * 7)


def test_state_dict_round_trip_and_refusals():
    a = build_model("small", np.random.default_rng(0))
    b = build_model("small", np.random.default_rng(1))
    b.load_state_dict(a.state_dict())
    x = np.random.default_rng(2).random((2, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    before = b.state_dict()
    bad = a.state_dict()
    bad["fc1.weight"] = bad["fc1.weight"][:, :10]
    with pytest.raises(ValueError, match=r"fc1.weight.*\(128, 784\).*\(128, 10\)"):
        b.load_state_dict(bad)
    bad = a.state_dict()
    bad["conv2.bias"][0] = np.nan
    with pytest.raises(ValueError, match="conv2.bias.*NaN"):
        b.load_state_dict(bad)
    bad = a.state_dict()
    del bad["fc2.bias"]
    with pytest.raises(ValueError, match="fc2.bias"):
        b.load_state_dict(bad)
    for k, v in b.state_dict().items():  # nothing half-loaded
        np.testing.assert_array_equal(v, before[k])


def test_unknown_layer_and_bad_spec_refused():
    with pytest.raises(ValueError, match="unknown layer type 'dropout'"):
        build_model([{"type": "dropout"}] + TINY)
    with pytest.raises(ValueError, match="flatten"):
        build_model([{"type": "linear", "out_features": 26}])
    with pytest.raises(ValueError, match="26"):
        build_model(TINY[:-1] + [{"type": "linear", "out_features": 10}])
    with pytest.raises(ValueError, match="preset"):
        build_model("huge")


def _assert_runs_clean(code: str) -> None:
    """Run Python code in a fresh interpreter; fail with its output unless it exits 0."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_cnn_loads_no_qt():
    _assert_runs_clean(
        "import sys, cnn, cnn.model, cnn.train, cnn.checkpoint, cnn.cli, cnn.preprocess, "
        "cnn.synthetic, cnn.data, cnn.explain; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'gui')]; print(bad); assert not bad")


def test_the_promised_names_are_reachable_from_import_cnn_alone():
    _assert_runs_clean(
        "import numpy as np, cnn; m = cnn.build_model('small', np.random.default_rng(0)); "
        "assert m.forward(np.zeros((1, 1, 28, 28), np.float32)).shape == (1, 26); "
        "assert cnn.checkpoint.save and cnn.checkpoint.load; "
        "assert cnn.losses.SoftmaxCrossEntropy and cnn.optim.SGD and cnn.optim.Adam")
