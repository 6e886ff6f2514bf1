import re

import numpy as np
import pytest

from cnn import checkpoint
from cnn.data import LetterSet, load_npz, save_npz
from cnn.model import build_model
from cnn.noise import suspects
from cnn.train import predict_proba
from tests.cli import run_cli


def test_suspects_are_the_letters_whose_label_is_least_likely():
    probs = np.full((5, 26), 0.01)
    probs[np.arange(5), [0, 1, 2, 3, 4]] = [0.9, 0.05, 0.8, 0.01, 0.7]
    y = np.array([0, 1, 2, 3, 4])
    assert list(suspects(probs, y, 0.4)) == [1, 3]
    assert len(suspects(probs, y, 0.0)) == 0
    with pytest.raises(ValueError):
        suspects(probs, y, 1.0)



@pytest.fixture
def model_and_letters(tmp_path):
    rng = np.random.default_rng(0)
    model = build_model("small", rng)
    x = (rng.random((60, 28, 28)) * 255).astype(np.uint8)
    letters = LetterSet(x, predict_proba(model, x).argmax(1), np.arange(60) % 6, source="s")
    letters.y[:6] = (letters.y[:6] + 13) % 26  # six letters labelled as the model would not
    path = save_npz(letters, tmp_path / "s.npz")
    model_path = tmp_path / "m.npz"
    checkpoint.save(model, model_path, {"name": "m"})
    return model_path, path, letters


def test_clean_drops_the_least_likely_labels(tmp_path, model_and_letters):
    model_path, path, letters = model_and_letters
    out = tmp_path / "clean.npz"
    r = run_cli("clean", "--model", str(model_path), "--data", str(path), "--drop", "0.1",
                "--out", str(out))
    assert r.returncode == 0, r.stderr
    kept = load_npz(out)
    assert len(kept) == 54
    np.testing.assert_array_equal(kept.x, letters.x[6:])  # the relabelled six went


def test_calibrate_folds_the_temperature_into_the_model(tmp_path, model_and_letters):
    model_path, path, letters = model_and_letters
    out = tmp_path / "cal.npz"
    r = run_cli("calibrate", "--model", str(model_path), "--data", str(path), "--out", str(out))
    assert r.returncode == 0, r.stderr
    t = float(r.stdout)
    # It says what the fit lowers, the loss, beside the ECE (which can rise on few letters).
    loss_before, loss_after = map(float, re.search(r"loss ([0-9.]+) -> ([0-9.]+), ECE",
                                                   r.stderr).groups())
    assert loss_after <= loss_before
    model, _ = checkpoint.load(model_path)
    calibrated, meta = checkpoint.load(out)
    assert meta["temperature"] == pytest.approx(t, abs=1e-4)  # printed to 4 places
    x = letters.as_float()
    np.testing.assert_allclose(calibrated.forward(x), model.forward(x) / t, rtol=1e-3, atol=1e-4)
