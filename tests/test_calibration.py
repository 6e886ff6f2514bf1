import numpy as np
import pytest

from cnn.calibration import apply_temperature, ece, fit_temperature, reliability
from cnn.functional import softmax
from cnn.model import build_model


def _ece_by_loop(probs, y, bins):
    """The textbook definition, one letter at a time: the oracle for ece()."""
    total, n = 0.0, len(y)
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i in range(n) if lo < probs[i].max() <= hi or (b == 0 and
                                                                       probs[i].max() == 0)]
        if members:
            conf = np.mean([probs[i].max() for i in members])
            acc = np.mean([probs[i].argmax() == y[i] for i in members])
            total += len(members) / n * abs(acc - conf)
    return total


def test_ece_matches_the_definition_on_random_predictions():
    rng = np.random.default_rng(0)
    probs = softmax(rng.normal(0, 2, (500, 26)))
    y = rng.integers(0, 26, 500)
    y[:200] = probs[:200].argmax(1)  # some right, so bins differ in accuracy
    assert ece(probs, y) == pytest.approx(_ece_by_loop(probs, y, 15), abs=1e-12)
    assert sum(r["n"] for r in reliability(probs, y)) == 500


def test_ece_is_zero_when_confidence_matches_accuracy_and_large_when_not():
    probs = np.full((10, 26), 0.2 / 25)
    probs[:, 0] = 0.8
    y = np.array([0] * 8 + [1] * 2)  # 80 % sure, right 8 times in 10
    assert ece(probs, y) == pytest.approx(0.0, abs=1e-9)
    y_half = np.array([0] * 5 + [1] * 5)
    assert ece(probs, y_half) == pytest.approx(0.3)


def test_fitted_temperature_recovers_how_overconfident_the_logits_are():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, (4000, 26))
    p = softmax(z)
    y = np.array([rng.choice(26, p=row) for row in p])  # labels drawn from softmax(z)
    t = fit_temperature(3 * z, y)  # logits three times too sure
    assert t == pytest.approx(3.0, rel=0.1)
    assert ece(softmax(3 * z / t), y) < ece(softmax(3 * z), y)


def test_apply_temperature_divides_the_logits_and_keeps_the_reading():
    model = build_model("small", np.random.default_rng(0))
    x = np.random.default_rng(1).random((4, 1, 28, 28)).astype(np.float32)
    before = model.forward(x)
    apply_temperature(model, 2.5)
    after = model.forward(x)
    np.testing.assert_allclose(after, before / 2.5, rtol=1e-4, atol=1e-5)
    assert (after.argmax(1) == before.argmax(1)).all()
    with pytest.raises(ValueError):
        apply_temperature(model, 0.0)
