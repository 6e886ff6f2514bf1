import numpy as np
import pytest

from cnn import preprocess as pp
from tests.tolerance import assert_close_float32

# A letter "R" drawn in canvas pixels: stem, bowl, leg.
R = [
    np.array([[100.0, 300.0], [100.0, 60.0]]),
    np.array([[100, 60], [170, 62], [200, 90], [200, 140], [170, 170], [100, 172]], float),
    np.array([[150.0, 172.0], [210.0, 300.0]]),
]


def ink_extent(img, axis):
    """Number of lines, along `axis`, that hold any ink."""
    lines = np.flatnonzero(img.max(axis=axis) > 0)
    return lines[-1] - lines[0] + 1


def densify(strokes, k):
    """The same path with k points per original segment."""
    out = []
    for s in strokes:
        t = np.linspace(0, len(s) - 1, (len(s) - 1) * k + 1)
        out.append(np.stack([np.interp(t, np.arange(len(s)), s[:, i]) for i in range(2)], 1))
    return out


def test_output_shape_dtype_range():
    r = pp.preprocess_strokes(R)
    assert not r.blank
    assert r.image.shape == (pp.SIZE, pp.SIZE) and r.image.dtype == np.float32
    assert r.image.min() >= 0 and r.image.max() == pytest.approx(1.0)
    assert r.centred.shape == (pp.CENTRED_SIZE, pp.CENTRED_SIZE) and r.centred.dtype == np.float32
    x0, y0, x1, y1 = r.box
    pts = np.concatenate(R)
    assert x0 < pts[:, 0].min() and x1 > pts[:, 0].max()
    assert y0 < pts[:, 1].min() and y1 > pts[:, 1].max()


def test_glyph_spans_24_of_28_pixels_centred():
    r = pp.preprocess_strokes(R)
    # R is taller than wide: its ink spans exactly the GLYPH rows inside a 2-pixel border.
    border = (pp.SIZE - pp.GLYPH) // 2 * pp.SUPERSAMPLE
    rows = np.flatnonzero(r.centred.max(1) > 0)
    assert rows[0] == border and rows[-1] == pp.CENTRED_SIZE - border - 1
    assert r.image[:2].max() == 0 and r.image[-2:].max() == 0
    assert r.image[2].max() > 0 and r.image[-3].max() > 0
    cols = np.flatnonzero(r.centred.max(0) > 0)
    assert abs((cols[0] + cols[-1] + 1) / 2 - pp.CENTRED_SIZE / 2) <= 1


def test_translation_and_scale_invariance():
    base = pp.preprocess_strokes(R).image
    moved = pp.preprocess_strokes([s + [523.0, -71.0] for s in R]).image
    scaled = pp.preprocess_strokes([s * 0.137 for s in R]).image
    np.testing.assert_allclose(moved, base, atol=1e-4)
    np.testing.assert_allclose(scaled, base, atol=1e-4)


def test_point_density_does_not_matter():
    # A slow mouse sends many points, a fast one few: the pen path is what counts.
    base = pp.preprocess_strokes(R).image
    dense = pp.preprocess_strokes(densify(R, 7)).image
    assert np.abs(dense - base).mean() < 0.005


def test_pen_scale_thickens_but_keeps_the_frame():
    thin = pp.preprocess_strokes(R, pen_scale=0.6)
    thick = pp.preprocess_strokes(R, pen_scale=1.6)
    assert thick.image.sum() > 1.5 * thin.image.sum()
    for r in (thin, thick):
        assert ink_extent(r.centred, 1) == pp.GLYPH * pp.SUPERSAMPLE


@pytest.mark.parametrize("horizontal", [False, True])
def test_a_straight_bar_keeps_its_aspect(horizontal):
    bar = np.array([[50.0, 20.0], [50.0, 220.0]])
    if horizontal:
        bar = bar[:, ::-1]
    r = pp.preprocess_strokes([bar])
    img = r.image.T if horizontal else r.image
    assert not r.blank
    assert ink_extent(r.centred.T if horizontal else r.centred, 1) == pp.GLYPH * pp.SUPERSAMPLE
    assert ink_extent(img, 0) <= 4  # a bar the pen's width wide, not stretched to a square
    cols = img.sum(0)
    assert (cols * (np.arange(pp.SIZE) + 0.5)).sum() / cols.sum() == pytest.approx(14, abs=0.01)


@pytest.mark.parametrize(
    "strokes",
    [
        [],
        [np.zeros((0, 2))],
        [np.array([[40.0, 40.0]])],  # a click
        [np.array([[40.0, 40.0], [40.0, 40.0], [40.0, 40.0]])],  # a click with repeats
    ],
)
def test_no_ink_or_a_dot_is_blank(strokes):
    r = pp.preprocess_strokes(strokes)
    assert r.blank
    assert r.image.shape == (pp.SIZE, pp.SIZE) and not r.image.any()


def test_a_tiny_scribble_is_blank_relative_to_the_canvas():
    scribble = [np.array([[200.0, 200.0], [203.0, 202.0], [201.0, 204.0]])]
    assert pp.preprocess_strokes(scribble, canvas_size=(400, 300)).blank
    assert not pp.preprocess_strokes(scribble).blank  # no canvas: only a dot is blank
    assert not pp.preprocess_strokes(R, canvas_size=400).blank


def test_ink_too_small_to_read_is_told_apart_from_no_ink():
    tiny = pp.preprocess_strokes([np.array([[200.0, 200.0], [203.0, 202.0]])], (400, 300))
    assert tiny.blank and tiny.too_small
    assert tiny.min_side == pytest.approx(pp.BLANK_FRACTION * 400)  # the canvas's longer side
    dot = pp.preprocess_strokes([np.array([[40.0, 40.0]])], (400, 300))
    assert dot.blank and dot.too_small
    for empty in ([], [np.zeros((0, 2))]):
        assert not pp.preprocess_strokes(empty, (400, 300)).too_small
    assert not pp.preprocess_strokes(R, canvas_size=400).too_small


def test_rendering_real_pen_strokes_matches_the_stored_images(shared_data):
    d = np.load(shared_data / "chars74k_hnd.npz", allow_pickle=False)
    pts, offsets, samples = d["stroke_points"], d["stroke_offsets"], d["sample_stroke_offsets"]
    every = range(0, len(d["x"]), 3)  # a third of the letters: every writer, every letter
    x = d["x"][every].astype(np.float32) / 255
    ours = np.empty_like(x)
    for j, i in enumerate(every):
        strokes = [pts[offsets[k] : offsets[k + 1]] for k in range(samples[i], samples[i + 1])]
        r = pp.preprocess_strokes(strokes, canvas_size=(1200, 900))
        assert not r.blank
        ours[j] = r.image
    assert np.abs(ours - x).mean() < 0.025
    assert np.corrcoef(ours.ravel(), x.ravel())[0, 1] > 0.98


def test_packed_batch_draws_each_letter_as_preprocess_strokes_does():
    letters = [R, [s * 0.3 + 7 for s in R[:2]], [np.array([[5.0, 5.0]])], [R[0]]]
    pens = [1.0, 0.7, 1.0, 1.4]
    pts, lengths = pp.pack([s for g in letters for s in g])
    images = pp.preprocess_packed(pts, lengths, [len(g) for g in letters], pens)
    assert images.shape == (4, pp.SIZE, pp.SIZE) and images.dtype == np.float32
    for img, strokes, pen in zip(images, letters, pens, strict=True):
        # Both area-average by matrix products (a batch and one image): SUPERSAMPLE terms a
        # pixel, twice, in whatever order the BLAS kernel takes them, then a division.
        assert_close_float32(img, pp.preprocess_strokes(strokes, pen_scale=pen).image,
                             2 * pp.SUPERSAMPLE + 1)
    assert not images[2].any()  # a single spot is blank
