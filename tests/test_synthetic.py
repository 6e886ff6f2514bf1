import numpy as np
import pytest

from cnn import glyphs, hand, preprocess, synthetic


@pytest.fixture(scope="module")
def small_set():
    return synthetic.generate_set(2 * 26 * 6, seed=3, workers=1)


def test_generate_returns_images_and_labels():
    x, y = synthetic.generate(60, seed=0, workers=1)
    assert x.shape == (60, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60,) and y.dtype == np.uint8


def test_every_class_and_case_equally_often(small_set):
    s = small_set
    assert s["x"].dtype == np.uint8 and s["x"].shape == (312, 28, 28)
    assert s["y"].dtype == np.uint8 and s["case"].dtype == np.uint8
    counts = np.bincount(s["case"].astype(int) * 26 + s["y"], minlength=52)
    assert (counts == 6).all()
    assert (s["x"].max(axis=(1, 2)) == 255).all()  # no blank letters


def test_writer_is_a_font_that_gives_the_case(small_set):
    s = small_set
    assert s["writer"].dtype == np.int64
    for font, case in zip(s["writer"], s["case"], strict=True):
        assert glyphs.FONTS[font][1 + case] > 0
    assert len(np.unique(s["writer"])) >= 6


def test_same_seed_same_letters_other_seed_other_letters(small_set):
    again = synthetic.generate_set(len(small_set["y"]), seed=3, workers=1)
    for k in ("x", "y", "case", "writer"):
        np.testing.assert_array_equal(again[k], small_set[k])
    other = synthetic.generate_set(len(small_set["y"]), seed=4, workers=1)
    assert (other["x"] != small_set["x"]).any()


def test_worker_processes_give_the_same_letters(monkeypatch):
    monkeypatch.setattr(synthetic, "CHUNK", 50)  # three chunks for two workers
    one = synthetic.generate_set(130, seed=5, workers=1)
    two = synthetic.generate_set(130, seed=5, workers=2)
    for k in ("x", "y", "case", "writer"):
        np.testing.assert_array_equal(two[k], one[k])


def test_load_or_generate_caches_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(tmp_path))
    first = synthetic.load_or_generate(52, seed=1, workers=1)
    path = synthetic.cache_path(52, seed=1)
    assert path.parent == tmp_path and path.name.startswith("synthetic-v")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left

    def refuse(*args, **kwargs):
        raise AssertionError("the cached set should have been read")

    monkeypatch.setattr(synthetic, "generate_set", refuse)
    second = synthetic.load_or_generate(52, seed=1)
    for k in ("x", "y", "case", "writer"):
        np.testing.assert_array_equal(second[k], first[k])


def test_a_damaged_cache_file_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(tmp_path))
    synthetic.cache_path(26, seed=0).write_bytes(b"not an npz")
    s = synthetic.load_or_generate(26, seed=0, workers=1)
    assert s["x"].shape == (26, 28, 28)
    assert np.load(synthetic.cache_path(26, seed=0))["x"].shape == (26, 28, 28)


def test_a_cache_file_damaged_in_any_way_is_made_again(tmp_path, monkeypatch):
    from tests import zipcraft

    monkeypatch.setenv("LETTERLENS_CACHE_DIR", str(tmp_path))
    path = synthetic.cache_path(26, seed=0)
    good = synthetic.load_or_generate(26, seed=0, workers=1)
    raw = path.read_bytes()
    np.savez(tmp_path / "floats.npz", **{**good, "x": good["x"].astype(np.float64)})
    damaged = {
        "compression method": zipcraft.set_method(raw, 99),  # NotImplementedError in zipfile
        "huge member": zipcraft.set_declared_size(raw, 2**31),
        "float images": (tmp_path / "floats.npz").read_bytes(),
    }
    for kind, bad in damaged.items():
        path.write_bytes(bad)
        s = synthetic.load_or_generate(26, seed=0, workers=1)
        np.testing.assert_array_equal(s["x"], good["x"], err_msg=kind)
        assert path.read_bytes() != bad, kind


def test_augmentation_preview():
    g = synthetic.augmentation_preview("g", n=16, seed=0)
    assert g.shape == (16, 28, 28) and g.dtype == np.float32
    assert g.min() >= 0 and np.allclose(g.max(axis=(1, 2)), 1.0)
    both = synthetic.augmentation_preview(6, n=4)
    assert both.shape == (4, 28, 28)
    again = synthetic.augmentation_preview("G", 4, seed=2)
    np.testing.assert_array_equal(again, synthetic.augmentation_preview("G", 4, seed=2))
    for bad in ("gg", "3", 26, -1):
        with pytest.raises(ValueError):
            synthetic.augmentation_preview(bad)


def test_every_font_gives_every_letter_it_is_used_for():
    for font, (_, upper, lower, _) in enumerate(glyphs.FONTS):
        letters = glyphs.glyphs(font)
        assert len(letters) == 52
        for case, weight in enumerate((upper, lower)):
            got = [g is not None for g in letters[case * 26 : (case + 1) * 26]]
            assert all(got) if weight else not any(got)


def unit(strokes):
    """All points of strokes, densified, centred, longer side 1: (n, 2)."""
    dense = []
    for s in strokes:
        t = np.linspace(0, len(s) - 1, 20 * len(s))
        dense.append(np.stack([np.interp(t, np.arange(len(s)), s[:, i]) for i in (0, 1)], 1))
    p = np.concatenate(dense)
    lo, hi = p.min(0), p.max(0)
    return (p - (lo + hi) / 2) / (hi - lo).max()


def test_distortion_changes_a_letter_but_keeps_it_near_its_shape():
    rng = np.random.default_rng(0)
    for font, index in [(0, 0), (0, 26 + 6), (6, 26 + 4), (2, 12)]:  # A, g, e, M
        glyph = glyphs.glyphs(font)[index]
        plain = unit(glyph.strokes)
        strays = []
        for _ in range(30):
            bent = unit(hand.distort(glyph, rng, single_line=glyphs.FONTS[font][3]))
            # |a - b|² = |a|² + |b|² - 2 a·b: one matrix product, not an (n, m, 2) array
            sq = (bent**2).sum(1)[:, None] + (plain**2).sum(1)[None] - 2 * bent @ plain.T
            d = np.sqrt(np.maximum(sq, 0))
            strays.append(max(d.min(0).mean(), d.min(1).mean()))  # mean distance, both ways
        assert min(strays) > 0.005  # it does change
        assert np.median(strays) < 0.1 and max(strays) < 0.25  # by a few % of the letter


def test_strokes_that_make_the_letter_are_never_dropped():
    # E's middle bar, A's and H's crossbars, t's cross, the dots of i and j.
    futural = glyphs.glyphs(0)
    for letter in ("E", "A", "H", "F", "i", "j", "t", "f"):
        glyph = futural[(letter.islower()) * 26 + ord(letter.upper()) - ord("A")]
        assert len(glyph.strokes) >= 2 and glyph.droppable == ()
    # Serifs and doubled lines may go.
    assert any(g.droppable for g in glyphs.glyphs(3) if g is not None)  # triplex roman


def test_synthetic_letters_look_like_real_ones(shared_data):
    # Mean images per class and case, from synthetic letters only, read most real letters.
    s = synthetic.generate_set(52 * 30, seed=0, workers=1)  # these read 51 %; 60 each, 52 %
    d = np.load(shared_data / "chars74k_hnd.npz", allow_pickle=False)

    def centred_unit(x):
        z = x.reshape(len(x), -1).astype(np.float64)
        z -= z.mean(1, keepdims=True)
        return z / np.linalg.norm(z, axis=1, keepdims=True)

    pair = s["case"].astype(int) * 26 + s["y"]
    templates = centred_unit(np.stack([s["x"][pair == k].mean(0) for k in range(52)]))
    guess = np.argmax(centred_unit(d["x"]) @ templates.T, axis=1) % 26
    assert (guess == d["y"]).mean() > 0.35  # chance is 1/26


def test_generation_reports_progress_and_can_be_cancelled(monkeypatch):
    from cnn.synthetic import Cancelled, generate_set

    chunk = 4  # chunks of a few letters: the calls are what is counted, not the drawing
    monkeypatch.setattr(synthetic, "CHUNK", chunk)
    seen = []
    out = generate_set(2 * chunk + 1, seed=3, workers=1, report=lambda done, n: seen.append(
        (done, n)))
    assert seen == [(chunk, 2 * chunk + 1), (2 * chunk, 2 * chunk + 1),
                    (2 * chunk + 1, 2 * chunk + 1)]
    assert out["x"].shape == (2 * chunk + 1, 28, 28)
    calls = []
    with pytest.raises(Cancelled):
        generate_set(3 * chunk, seed=3, workers=1, report=lambda done, n: seen.append(done),
                     cancelled=lambda: calls.append(1) or len(calls) > 1)
    assert len(calls) == 2 and seen[-1] == chunk  # stopped before the second chunk


def test_hand_fonts_give_their_forms_and_futural_for_the_rest():
    from cnn import hand_forms

    futural = glyphs.glyphs(0)
    hands = [i for i, f in enumerate(glyphs.FONTS) if f[0].startswith("hand")]
    assert len(hands) == 3
    r = 26 + 17
    forms = {len(glyphs.glyphs(h)[r].strokes[0]) for h in hands}
    assert len(forms) == len(hand_forms.FORMS["r"]) == 3  # three different r's
    for h in hands:
        g = glyphs.glyphs(h)
        assert g[0] is futural[0]  # A: no hand form, the font's own
        for letter in ("G", "J", "C", "c", "f", "g", "n", "r"):
            k = (26 if letter.islower() else 0) + ord(letter.upper()) - ord("A")
            pts = np.concatenate(g[k].strokes)
            side = (pts.max(0) - pts.min(0)).max()
            assert abs(side - 1) < 1e-9 and np.abs(pts.max(0) + pts.min(0)).max() < 1e-9


def test_stray_marks_stay_apart_and_above_only_where_allowed(monkeypatch):
    rng = np.random.default_rng(0)
    bar = glyphs.glyphs(0)[26 + 11]  # l: a bare bar, which a dot above would make an i
    monkeypatch.setattr(hand, "SPECK", 0.6)
    monkeypatch.setattr(hand, "RULE", 0.4)
    top = np.concatenate(bar.strokes)[:, 1].min()
    dense = np.concatenate([glyphs.resample(s, np.array([len(s)]), 0.005)[0]
                            for s in bar.strokes])
    widest = preprocess.PEN_WIDTH * hand.PEN_RANGE[1]
    over = {True: 0, False: 0}
    for above in (False, True):
        for _ in range(200):
            marked = hand._with_marks(bar, rng, above)
            assert len(marked.strokes) == len(bar.strokes) + 1
            mark = marked.strokes[-1]
            over[above] += mark[:, 1].max() < top
            gap = np.sqrt(((mark[:, None] - dense[None]) ** 2).sum(-1)).min()
            assert gap > widest  # the ink of the two never touches
    assert over[False] == 0 and 40 < over[True] < 120  # about ABOVE = 40 % of them
    assert 8 in hand.NO_MARK_ABOVE and 11 in hand.NO_MARK_ABOVE  # I and L


def test_redraw_keeps_each_letter_and_its_labels_and_varies_the_drawing():
    from cnn.data import LetterSet

    strokes = [
        [np.array([[0.0, 0.0], [0.0, 100.0]]), np.array([[0.0, 0.0], [60.0, 0.0]])],  # a T-ish
        [],  # no pen strokes: skipped
        [np.array([[5.0, 5.0]])],  # one dot: nothing to draw again
        [np.array([[0.0, 100.0], [40.0, 0.0], [80.0, 100.0]])],  # a V-ish
    ]
    x = np.zeros((4, 28, 28), np.uint8)
    letters = LetterSet(x, [19, 0, 8, 21], writer=[3, 3, 4, 5], case=[0, 1, 1, 0],
                        source="pen", strokes=strokes)
    out = synthetic.redraw(letters, 5, seed=2)
    assert len(out) == 10 and out.source == "pen redrawn"
    assert list(out.y) == [19] * 5 + [21] * 5
    assert list(out.writer) == [3] * 5 + [5] * 5 and list(out.case) == [0] * 5 + [0] * 5
    assert (out.x.max(axis=(1, 2)) == 255).all()  # every copy is drawn, peak 1
    assert len({im.tobytes() for im in out.x}) == 10  # and each one differently
    again = synthetic.redraw(letters, 5, seed=2)
    assert np.array_equal(again.x, out.x)
    assert not np.array_equal(synthetic.redraw(letters, 5, seed=3).x, out.x)
    assert len(synthetic.redraw(LetterSet(x, [0, 1, 2, 3]), 3)) == 0  # no strokes at all
    # Each copy still looks like its letter: closer to its own original than to the other.
    own = preprocess.preprocess_strokes(strokes[0]).image.ravel()
    other = preprocess.preprocess_strokes(strokes[3]).image.ravel()
    for im in out.x[:5] / 255.0:
        assert np.corrcoef(im.ravel(), own)[0, 1] > np.corrcoef(im.ravel(), other)[0, 1]
