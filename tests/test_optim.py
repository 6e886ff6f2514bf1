import numpy as np
import pytest

from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model
from cnn.optim import SGD, Adam, make_optimizer
from cnn.train import forward_backward


def _batch():
    rng = np.random.default_rng(0)
    return rng.random((32, 1, 28, 28), dtype=np.float32), rng.integers(0, 26, 32)


@pytest.mark.parametrize("opt", [SGD(lr=0.05, momentum=0.9, weight_decay=1e-4), Adam(lr=2e-3)])
def test_optimisers_lower_the_loss_on_a_fixed_batch(opt):
    model = build_model("small", np.random.default_rng(1))
    x, y = _batch()
    loss_fn = SoftmaxCrossEntropy()
    first, _, grads = forward_backward(model, x, y, loss_fn)
    for _ in range(30):
        loss, _, grads = forward_backward(model, x, y, loss_fn)
        opt.step(model.parameters(), grads)
    last, acc, _ = forward_backward(model, x, y, loss_fn)
    assert last < 0.5 * first
    assert acc > 0.5


def test_step_updates_in_place_without_rebinding():
    model = build_model("small", np.random.default_rng(1))
    params = model.parameters()
    ids = {k: id(v) for k, v in params.items()}
    before = model.state_dict()
    x, y = _batch()
    _, _, grads = forward_backward(model, x, y, SoftmaxCrossEntropy())
    SGD(lr=0.1).step(params, grads)
    after = model.parameters()
    assert {k: id(v) for k, v in after.items()} == ids
    assert all(v.dtype == np.float32 for v in after.values())
    assert not np.array_equal(after["fc2.weight"], before["fc2.weight"])


def test_sgd_momentum_matches_the_formula():
    p = {"w": np.array([1.0, -2.0])}
    opt = SGD(lr=0.1, momentum=0.5)
    opt.step(p, {"w": np.array([1.0, 1.0])})  # v = g
    opt.step(p, {"w": np.array([1.0, 1.0])})  # v = 0.5 v + g = 1.5
    np.testing.assert_allclose(p["w"], [1.0 - 0.1 - 0.15, -2.0 - 0.1 - 0.15])


def test_adam_first_step_moves_each_weight_by_lr():
    p = {"w": np.array([1.0, 1.0, 1.0])}
    Adam(lr=0.01).step(p, {"w": np.array([5.0, -0.1, 1e-3])})
    np.testing.assert_allclose(p["w"], [0.99, 1.01, 0.99], atol=1e-5)


def test_adam_follows_the_formula_over_many_steps_in_float32():
    rng = np.random.default_rng(3)
    w = rng.standard_normal(1000).astype(np.float32)
    p = {"w": w.copy()}
    opt = Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)
    want, m, v = w.astype(np.float64), 0.0, 0.0
    for t in range(1, 8):
        g = rng.standard_normal(1000).astype(np.float32)
        opt.step(p, {"w": g})
        # The textbook in float64, in Kingma & Ba's efficient form (eps scaled like v).
        g = g + 0.01 * want
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g * g
        want = want - 0.01 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-6 *
                                                       np.sqrt(1 / (1 - 0.99 ** t)))
    assert p["w"].dtype == np.float32
    np.testing.assert_allclose(p["w"], want, rtol=1e-5, atol=1e-6)


def test_adam_steps_float32_weights_without_float64_copies():
    import tracemalloc

    p = {"w": np.ones(1 << 20, np.float32)}
    opt = Adam()
    opt.step(p, {"w": np.full(1 << 20, 0.5, np.float32)})  # makes its state
    tracemalloc.start()
    try:
        opt.step(p, {"w": np.full(1 << 20, 0.5, np.float32)})
        peak = tracemalloc.get_traced_memory()[1] - (1 << 22)  # less the gradient itself
    finally:
        tracemalloc.stop()
    assert peak <= 1.5 * p["w"].nbytes  # one float32 scratch, no float64 temporaries


def test_bad_hyper_parameters_refused():
    with pytest.raises(ValueError, match="lr"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="lr"):
        Adam(lr=float("nan"))
    with pytest.raises(ValueError, match="optimiser"):
        make_optimizer("rmsprop", 0.1)
