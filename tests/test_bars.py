import numpy as np
import pytest

from cnn.augment import scanned_pens
from cnn.bars import I_CLASS, L_CLASS, narrow, relabel_bars
from cnn.data import LetterSet


def _bars_and_boxes(n):
    """n letters: even ones bare bars labelled I, odd ones wide boxes labelled L."""
    x = np.zeros((n, 28, 28), np.uint8)
    x[0::2, 2:26, 13:15] = 255
    x[1::2, 2:26, 4:24] = 255
    y = np.where(np.arange(n) % 2, L_CLASS, I_CLASS)
    return LetterSet(x, y, case=np.zeros(n, np.int8), source="bars")


def test_relabel_bars_splits_bars_and_leaves_other_letters():
    letters = _bars_and_boxes(4000)
    out = relabel_bars(letters, 0.6, np.random.default_rng(0))
    bars = narrow(letters.x)
    assert bars.sum() == 2000
    assert (out.y[bars] == L_CLASS).mean() == pytest.approx(0.6, abs=0.03)
    assert (out.case[bars] == (out.y[bars] == L_CLASS)).all()  # an l is lower case
    np.testing.assert_array_equal(out.y[~bars], letters.y[~bars])
    assert (letters.y[bars] == I_CLASS).all()  # the original is untouched
    with pytest.raises(ValueError):
        relabel_bars(letters, 1.5, np.random.default_rng(0))


def test_scanned_pens_make_strokes_bolder_and_keep_the_peak():
    x = np.zeros((50, 1, 28, 28), np.float32)
    x[:, 0, 4:24, 13:15] = 1.0
    out = scanned_pens(x, np.random.default_rng(0), p=1.0)
    ink_before, ink_after = (x > 0.3).sum(axis=(1, 2, 3)), (out > 0.3).sum(axis=(1, 2, 3))
    assert (ink_after > ink_before).all()
    np.testing.assert_allclose(out.max(axis=(1, 2, 3)), 1.0, atol=1e-6)
    assert x.max() == 1.0 and (x[:, 0, :, :13] == 0).all()  # the input is not changed
    untouched = scanned_pens(x, np.random.default_rng(0), p=0.0)
    np.testing.assert_array_equal(untouched, x)


def test_train_takes_scanned_pens_and_the_bar_split(tmp_path):
    from cnn import checkpoint
    from cnn.data import save_npz
    from tests.cli import run_cli

    path = save_npz(_bars_and_boxes(40), tmp_path / "bars.npz")
    out = tmp_path / "m.npz"
    r = run_cli("train", "--data", path, "--arch", "small", "--epochs", "1", "--scanned", "0.5",
                "--bar-split", "--out", out)
    assert r.returncode == 0, r.stderr
    training = checkpoint.load(out)[1]["training"]
    assert training["scanned"] == 0.5 and training["bar_split"] == 0.6
    r = run_cli("train", "--data", path, "--scanned", "2", "--out", out)
    assert r.returncode == 2 and "--scanned" in r.stderr
