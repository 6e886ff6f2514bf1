import numpy as np
import pytest

from cnn.augment import _resize_matrix, _shifted_extreme, compose, degrade, random_affine, warp
from tests.cli import run_cli


def _letters(n=64, seed=0):
    """Bars and boxes of ink on black, (n, 1, 28, 28) float32 in [0, 1], peak 1."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 1, 28, 28), np.float32)
    for i in range(n):
        r, c = rng.integers(4, 12, 2)
        x[i, 0, r:r + 12, c:c + 3] = 1.0
        x[i, 0, r + 10:r + 13, c:c + 10] = 0.8
    return x


def test_degrade_keeps_shape_range_and_peak_and_leaves_input_alone():
    x = _letters()
    before = x.copy()
    out = degrade(x, np.random.default_rng(1), p=1.0)
    np.testing.assert_array_equal(x, before)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out.reshape(len(x), -1).max(axis=1), 1.0, atol=1e-6)
    changed = np.abs(out - x).reshape(len(x), -1).max(axis=1) > 1e-3
    assert changed.mean() > 0.6  # most letters got at least one effect


def test_degrade_share_and_determinism():
    x = _letters(200)
    np.testing.assert_array_equal(degrade(x, np.random.default_rng(0), p=0.0), x)
    a = degrade(x, np.random.default_rng(5), p=0.3)
    np.testing.assert_array_equal(a, degrade(x, np.random.default_rng(5), p=0.3))
    untouched = (a == x).reshape(200, -1).all(axis=1).mean()
    assert 0.55 < untouched < 0.9  # about 70 % not picked, plus picked ones left as they were


def test_stroke_width_and_resolution_helpers():
    x = _letters(4)[:, 0].astype(np.float64)
    bold, thin = _shifted_extreme(x, np.maximum), _shifted_extreme(x, np.minimum)
    assert (bold >= x).all() and bold.sum() > 1.3 * x.sum()
    assert (thin <= x).all() and thin.sum() < 0.7 * x.sum()
    m = _resize_matrix(28, 12)
    assert m.shape == (12, 28)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    np.testing.assert_allclose((m @ np.ones(28)), 1.0)  # flat ink stays flat
    np.testing.assert_allclose(m.sum(axis=0), 12 / 28)  # every source pixel counted equally


def test_compose_applies_what_was_asked():
    x = _letters(16)
    rng = np.random.default_rng
    np.testing.assert_array_equal(compose(False, 0.0)(x, rng(0)), x)
    np.testing.assert_array_equal(compose(True, 0.0)(x, rng(0)), random_affine(x, rng(0)))
    np.testing.assert_array_equal(compose(False, 0.5)(x, rng(0)), degrade(x, rng(0), 0.5))
    both = compose(True, 0.5)(x, rng(0))
    assert both.shape == x.shape and not np.array_equal(both, x)


@pytest.mark.parametrize("flag,value,says", [("--degrade", "1.5", "between 0 and 1"),
                                             ("--degrade", "-0.1", "between 0 and 1"),
                                             ("--elastic", "9", "between 0 and 5 pixels")])
def test_cli_refuses_augmentation_out_of_range(tmp_path, flag, value, says):
    r = run_cli("train", "--synthetic", "52", "--epochs", "1", flag, value,
                "--out", str(tmp_path / "m.npz"))
    assert r.returncode == 2
    assert f"{flag} must be {says}" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m.npz").exists()


def test_elastic_bend_is_smooth_seeded_and_off_by_default():
    x = _letters(32)
    rng = np.random.default_rng
    plain = random_affine(x, rng(3))
    np.testing.assert_array_equal(plain, random_affine(x, rng(3), elastic=0.0))
    bent = random_affine(x, rng(3), elastic=1.5)
    np.testing.assert_array_equal(bent, random_affine(x, rng(3), elastic=1.5))
    assert not np.allclose(bent, plain)
    # a bend moves ink around but keeps about as much of it
    ratio = bent.reshape(32, -1).sum(1) / plain.reshape(32, -1).sum(1)
    assert 0.7 < np.median(ratio) < 1.3
    only = compose(False, 0.0, 1.5)(x, rng(3))  # bend alone: no turn, scale or shift
    moved = np.abs(only - x).reshape(32, -1).sum(1) / x.reshape(32, -1).sum(1)
    assert 0.05 < np.median(moved) < 1.0


def _warp_plainly(x, a, t):
    """The warp pixel by pixel in float64: bilinear between the four source pixels around
    a @ (p - centre) + centre - t, zero outside the image (the oracle for `warp`)."""
    n, _, h, w = x.shape
    out = np.zeros(x.shape)
    c = np.array([(w - 1) / 2, (h - 1) / 2])

    def px(img, yy, xx):
        return img[yy, xx] if 0 <= yy < h and 0 <= xx < w else 0.0

    for i in range(n):
        img = x[i, 0]
        for r in range(h):
            for col in range(w):
                sx, sy = a[i] @ (np.array([col, r]) - c) + c - t[i]
                x0, y0 = int(np.floor(sx)), int(np.floor(sy))
                fx, fy = sx - x0, sy - y0
                top = px(img, y0, x0) * (1 - fx) + px(img, y0, x0 + 1) * fx
                bottom = px(img, y0 + 1, x0) * (1 - fx) + px(img, y0 + 1, x0 + 1) * fx
                out[i, 0, r, col] = top * (1 - fy) + bottom * fy
    return out


def test_warp_samples_where_the_map_points_and_leaves_identity_alone():
    x = _letters(3)
    eye, none = np.tile(np.eye(2), (3, 1, 1)), np.zeros((3, 2))
    np.testing.assert_array_equal(warp(x, eye, none), x)
    rng = np.random.default_rng(2)
    a = eye + 0.15 * rng.standard_normal((3, 2, 2))
    t = 1.5 * rng.standard_normal((3, 2))
    got = warp(x, a, t)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _warp_plainly(x, a, t), atol=1e-4)
    whole = np.array([[1.0, 2.0]] * 3)  # whole pixels: the letter moves, nothing blurs
    np.testing.assert_array_equal(warp(x, eye, whole)[:, :, 2:, 1:], x[:, :, :-2, :-1])
