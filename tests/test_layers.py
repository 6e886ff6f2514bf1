"""The reference layers (cnn/layers.py) against loops and finite differences."""

import numpy as np
import pytest

from cnn.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from tests.gradcheck import assert_close, numeric_grad


def _check_layer(layer, x, rng):
    """Finite-difference check of dx and every parameter gradient for sum(y * w)."""
    y = layer.forward(x)
    w = rng.standard_normal(y.shape)
    dx = layer.backward(w.copy())
    grads = {k: g.copy() for k, g in layer.grads.items()}

    def f():
        return float((layer.forward(x) * w).sum())

    idx, num = numeric_grad(f, x, max_entries=60, rng=rng)
    assert_close(dx, idx, num)
    for name, p in layer.params.items():
        idx, num = numeric_grad(f, p, max_entries=60, rng=rng)
        assert_close(grads[name], idx, num)


@pytest.mark.parametrize("cin,k,stride,pad", [(1, 3, 1, 1), (3, 3, 1, 1), (2, 5, 2, 2),
                                              (1, 3, 2, 0), (4, 1, 1, 0), (3, 2, 3, 1)])
def test_conv2d_gradients(cin, k, stride, pad):
    rng = np.random.default_rng(1)
    layer = Conv2d(cin, 4, k, stride, pad, rng=rng, dtype=np.float64)
    layer.params["bias"][:] = rng.standard_normal(4)
    _check_layer(layer, rng.standard_normal((2, cin, 9, 8)), rng)


@pytest.mark.parametrize("k,stride,pad", [(3, 2, 1), (1, 1, 0), (5, 1, 2), (3, 1, 0), (2, 3, 1)])
def test_conv2d_matches_naive_loops(k, stride, pad):
    rng = np.random.default_rng(2)
    layer = Conv2d(3, 5, k, stride=stride, padding=pad, rng=rng, dtype=np.float64)
    layer.params["bias"][:] = rng.standard_normal(5)
    x = rng.standard_normal((2, 3, 7, 6))
    y = layer.forward(x)
    w, b = layer.params["weight"], layer.params["bias"]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ref = np.zeros(y.shape)
    for n in range(2):
        for o in range(5):
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    window = xp[n, :, stride * i:stride * i + k, stride * j:stride * j + k]
                    ref[n, o, i, j] = (window * w[o]).sum() + b[o]
    np.testing.assert_allclose(y, ref, atol=1e-12)


def test_linear_relu_flatten_gradients():
    rng = np.random.default_rng(3)
    _check_layer(Linear(7, 5, rng=rng, dtype=np.float64), rng.standard_normal((4, 7)), rng)
    _check_layer(ReLU(), rng.standard_normal((3, 2, 4, 4)), rng)
    _check_layer(Flatten(), rng.standard_normal((3, 2, 4, 4)), rng)


@pytest.mark.parametrize("k,stride", [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_maxpool_gradients(k, stride):
    rng = np.random.default_rng(4)
    # Distinct values, so the max is unique and the finite difference is well defined.
    x = rng.permutation(2 * 3 * 9 * 7).reshape(2, 3, 9, 7).astype(np.float64) / 10
    _check_layer(MaxPool2d(k, stride), x, rng)


@pytest.mark.parametrize("k,stride", [(2, 2), (3, 3)])
def test_maxpool_ties_send_gradient_to_first_index_only(k, stride):
    pool = MaxPool2d(k, stride)
    x = np.zeros((1, 1, 2 * k, 2 * k))  # a flat background: every window is one big tie
    pool.forward(x)
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx.sum() == 4  # each output's gradient goes to exactly one input
    assert dx[0, 0, ::k, ::k].tolist() == [[1, 1], [1, 1]]  # the top-left of each window
    x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])  # a tie between the 2nd and 3rd element
    pool = MaxPool2d(2)
    pool.forward(x)
    assert pool.backward(np.ones((1, 1, 1, 1)))[0, 0].tolist() == [[0, 1], [0, 0]]


def test_maxpool_floor_drops_odd_edge():
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    pool = MaxPool2d(2)
    y = pool.forward(x)
    assert y.shape == (1, 1, 2, 2)
    assert y[0, 0].tolist() == [[6, 8], [16, 18]]
    dx = pool.backward(np.ones_like(y))
    assert dx[0, 0, 4].sum() == 0 and dx[0, 0, :, 4].sum() == 0


@pytest.mark.parametrize("make", [
    lambda r: Conv2d(2, 3, 3, 1, 1, rng=r), lambda r: Conv2d(1, 3, 3, 1, 1, rng=r),
    lambda r: ReLU(), lambda r: MaxPool2d(2), lambda r: Flatten(),
])
def test_backward_leaves_its_input_untouched(make):
    rng = np.random.default_rng(5)
    layer = make(rng)
    cin = layer.in_channels if isinstance(layer, Conv2d) else 2
    x = rng.standard_normal((2, cin, 6, 6)).astype(np.float32)
    x_before = x.copy()
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dy_before = dy.copy()
    layer.backward(dy)
    np.testing.assert_array_equal(dy, dy_before)
    np.testing.assert_array_equal(x, x_before)


def test_float32_by_default_float64_when_given():
    rng = np.random.default_rng(6)
    conv = Conv2d(1, 2, 3, 1, 1, rng=rng)
    assert conv.params["weight"].dtype == np.float32
    assert conv.forward(np.zeros((1, 1, 5, 5), np.float32)).dtype == np.float32
    conv.astype(np.float64)
    assert conv.forward(np.zeros((1, 1, 5, 5))).dtype == np.float64


def test_gaussian_init_he_scaling_and_selectable_std():
    rng = np.random.default_rng(7)
    w = Conv2d(16, 64, 3, rng=rng).params["weight"]
    assert abs(w.std() - np.sqrt(2 / (16 * 9))) < 0.01
    assert abs(w.mean()) < 0.01
    w = Linear(100, 200, rng=rng, init_std=0.05).params["weight"]
    assert abs(w.std() - 0.05) < 0.003
    assert np.array_equal(Linear(4, 3, rng=np.random.default_rng(1)).params["weight"],
                          Linear(4, 3, rng=np.random.default_rng(1)).params["weight"])


def test_pytorch_attribute_names():
    conv = Conv2d(1, 8, 5, stride=2, padding=2, rng=np.random.default_rng(0))
    assert (conv.kernel_size, conv.stride, conv.padding) == (5, 2, 2)
    assert conv.params["weight"].shape == (8, 1, 5, 5)
    assert Linear(10, 3, rng=np.random.default_rng(0)).params["weight"].shape == (3, 10)
    pool = MaxPool2d(3)
    assert (pool.kernel_size, pool.stride) == (3, 3)


def test_bad_hyper_parameters_refused():
    with pytest.raises(ValueError, match="stride"):
        Conv2d(1, 2, 3, stride=0)
    with pytest.raises(ValueError, match="out_features"):
        Linear(3, 0)
    with pytest.raises(ValueError, match="kernel_size"):
        MaxPool2d(0)
