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


def test_bad_hyper_parameters_refused():
    with pytest.raises(ValueError, match="lr"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="lr"):
        Adam(lr=float("nan"))
    with pytest.raises(ValueError, match="optimiser"):
        make_optimizer("rmsprop", 0.1)
