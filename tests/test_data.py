"""LetterSet, .npz files, combine, writer-disjoint splits and folds, EMNIST idx import."""

import gzip
import zipfile

import numpy as np
import pytest

from cnn.data import (
    LETTERS,
    DataError,
    LetterSet,
    combine,
    load_npz,
    pack_strokes,
    save_npz,
)
from cnn.emnist import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    labels_path_for,
    load_emnist,
    read_idx,
    write_idx,
)
from cnn.splits import split, split_indices, writer_folds


def make_set(n_writers=6, per_writer=26, n_unknown=0, seed=0, source="toy"):
    """Each known writer draws `per_writer` letters cycling A..Z; then `n_unknown` more samples."""
    rng = np.random.default_rng(seed)
    n = n_writers * per_writer + n_unknown
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = np.concatenate([np.arange(per_writer) % 26] * n_writers + [np.arange(n_unknown) % 26])
    writer = np.concatenate([np.repeat(np.arange(n_writers), per_writer),
                             np.full(n_unknown, -1)])
    case = rng.integers(0, 2, n)
    return LetterSet(x, y.astype(np.int64), writer, case, source)


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def valid_arrays(n=4):
    return dict(x=np.zeros((n, 28, 28), np.uint8), y=np.arange(n) % 26)


# --- LetterSet ---------------------------------------------------------------------------------


def test_letters_are_the_alphabet():
    assert LETTERS == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_letterset_defaults_dtypes_and_counts():
    s = LetterSet(np.zeros((3, 28, 28), np.uint8), [0, 25, 25])
    assert len(s) == 3
    assert s.writer.dtype == np.int64 and (s.writer == -1).all()
    assert s.case.dtype == np.int8 and (s.case == -1).all()
    assert s.y.dtype == np.int64
    counts = s.counts()
    assert counts.shape == (26,) and counts[0] == 1 and counts[25] == 2 and counts.sum() == 3
    assert "n=3" in repr(s)


def test_as_float_is_nchw_float32_in_unit_range():
    x = np.zeros((2, 28, 28), np.uint8)
    x[0, 3, 4] = 255
    x[1, 5, 6] = 51
    f = LetterSet(x, [1, 2]).as_float()
    assert f.shape == (2, 1, 28, 28) and f.dtype == np.float32
    assert f[0, 0, 3, 4] == 1.0 and f[1, 0, 5, 6] == pytest.approx(0.2)
    assert f.min() == 0.0


def test_subset_takes_indices_masks_and_copies():
    s = make_set(n_writers=2)
    sub = s.subset([3, 1])
    assert len(sub) == 2 and list(sub.y) == [3, 1]
    assert np.array_equal(sub.x[0], s.x[3])
    sub.x[0] = 0
    assert s.x[3].any(), "a subset must not share memory with its parent"
    mask = s.y == 5
    assert list(s.subset(mask).y) == [5, 5]
    assert len(s.subset([])) == 0
    assert len(s.subset(slice(0, 10))) == 10
    with pytest.raises(DataError, match="mask"):
        s.subset(np.ones(3, bool))
    with pytest.raises(DataError, match="integers"):
        s.subset(np.array([0.5]))


def test_letterset_refuses_bad_arrays():
    x = np.zeros((2, 28, 28), np.uint8)
    with pytest.raises(DataError, match="0..25"):
        LetterSet(x, [0, 26], source="mine")
    with pytest.raises(DataError, match="2 images but 3"):
        LetterSet(x, [0, 1, 2])
    with pytest.raises(DataError, match="case"):
        LetterSet(x, [0, 1], case=[0, 2])
    with pytest.raises(DataError, match="writer"):
        LetterSet(x, [0, 1], writer=[0, -2])


# --- load_npz / save_npz -----------------------------------------------------------------------


def test_save_then_load_round_trips(tmp_path):
    s = make_set(n_writers=3, n_unknown=5, source="toy set")
    path = save_npz(s, tmp_path / "out.npz")
    back = load_npz(path)
    for name in ("x", "y", "writer", "case"):
        assert np.array_equal(getattr(back, name), getattr(s, name)), name
    assert back.source == "toy set"
    assert [p.name for p in tmp_path.iterdir()] == ["out.npz"], "no temporary file may remain"


def _strokes(i):
    """Sample i's strokes: i + 1 of them, of 2 + k points each (sample 0 of 3 has none)."""
    return [np.full((2 + k, 2), 10.0 * i + k) for k in range(i + 1)] if i % 3 else []


def test_pen_strokes_follow_their_letters_through_save_subset_and_combine(tmp_path):
    s = make_set(n_writers=2)
    s.strokes = [_strokes(i) for i in range(len(s))]
    back = load_npz(save_npz(s, tmp_path / "pen.npz"))
    assert len(back.strokes) == len(s)
    for i in (0, 1, 2, 7):
        assert len(back.strokes[i]) == len(s.strokes[i])
        for a, b in zip(back.strokes[i], s.strokes[i], strict=True):
            assert np.array_equal(a, b)
    sub = back.subset([7, 1])
    assert sub.strokes[0][0][0, 0] == 70.0 and len(sub.strokes[1]) == 2
    assert len(back.subset(back.y == 5).strokes) == 2
    assert len(back.subset(slice(2, 5)).strokes) == 3
    both = combine([make_set(n_writers=1), sub])  # a set without strokes gives empty lists
    assert len(both.strokes) == len(both) and both.strokes[0] == []
    assert both.strokes[-2][0][0, 0] == 70.0
    assert combine([make_set(n_writers=1)]).strokes is None
    assert load_npz(save_npz(make_set(n_writers=1), tmp_path / "none.npz")).strokes is None


def test_bad_pen_strokes_are_refused_naming_the_file(tmp_path):
    s = make_set(n_writers=1)
    good = pack_strokes([_strokes(i) for i in range(len(s))])
    for bad, match in [
        ({"stroke_points": good["stroke_points"]}, "strokes need all of"),
        ({**good, "stroke_offsets": good["stroke_offsets"][::-1]}, "stroke offsets"),
        ({**good, "sample_stroke_offsets": good["sample_stroke_offsets"][:-1]},
         "sample_stroke_offsets"),
        ({**good, "stroke_points": np.full_like(good["stroke_points"], np.nan)}, "NaN"),
    ]:
        path = save_npz(s, tmp_path / "bad.npz", extra=bad)
        with pytest.raises(DataError, match=match) as e:
            load_npz(path)
        assert "bad.npz" in str(e.value)
    with pytest.raises(DataError, match="strokes for 1"):
        LetterSet(s.x, s.y, strokes=[[]])


def test_load_accepts_floats_in_either_range_and_nchw(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    y = np.array([0, 1, 2], np.uint8)
    unit = load_npz(write_npz(tmp_path / "unit.npz", x=x / 255.0, y=y))
    byte = load_npz(write_npz(tmp_path / "byte.npz", x=x.astype(np.float32), y=y))
    nchw = load_npz(write_npz(tmp_path / "nchw.npz", x=x[:, None], y=y))
    for s in (unit, byte, nchw):
        assert s.x.dtype == np.uint8 and np.array_equal(s.x, x)
    assert unit.source == "unit"
    assert unit.y.dtype == np.int64


def test_load_keeps_optional_writer_and_case(tmp_path):
    path = write_npz(tmp_path / "w.npz", **valid_arrays(3), writer=np.array([4, 4, -1], np.int16),
                     case=np.array([0, 1, 1], np.uint8))
    s = load_npz(path)
    assert list(s.writer) == [4, 4, -1] and list(s.case) == [0, 1, 1]


def _truncated(path):
    good = write_npz(path.with_name("good.npz"), **valid_arrays())
    path.write_bytes(good.read_bytes()[:200])


def _object_array(path):
    np.savez(path, x=np.array([None] * 2, dtype=object), y=np.arange(2))


BAD_FILES = {
    "missing file": (lambda p: None, "no such file"),
    "text file": (lambda p: p.write_text("hello"), "not an .npz"),
    "single npy": (lambda p: np.save(open(p, "wb"), np.zeros(3)), "single .npy"),
    "truncated": (_truncated, "not an .npz|damaged"),
    "pickled object": (_object_array, "damaged"),
    "missing x": (lambda p: np.savez(p, y=np.arange(3)), "missing 'x'"),
    "missing y": (lambda p: np.savez(p, x=np.zeros((3, 28, 28), np.uint8)), "missing 'y'"),
    "x wrong shape": (lambda p: np.savez(p, x=np.zeros((3, 28, 27)), y=np.arange(3)),
                      r"shape \(3, 28, 27\)"),
    "x flat": (lambda p: np.savez(p, x=np.zeros((3, 784)), y=np.arange(3)), "expected"),
    "x strings": (lambda p: np.savez(p, x=np.full((1, 28, 28), "a"), y=[0]), "dtype"),
    "y 2-D": (lambda p: np.savez(p, x=np.zeros((3, 28, 28)), y=np.zeros((3, 1))), "'y' has shape"),
    "y 26": (lambda p: np.savez(p, x=np.zeros((2, 28, 28)), y=[0, 26]), "26 at index 1"),
    "y negative": (lambda p: np.savez(p, x=np.zeros((2, 28, 28)), y=[-1, 0]), "-1 at index 0"),
    "y fractional": (lambda p: np.savez(p, x=np.zeros((2, 28, 28)), y=[0.5, 1]), "whole numbers"),
    "y NaN": (lambda p: np.savez(p, x=np.zeros((2, 28, 28)), y=[np.nan, 1]), "whole numbers"),
    "length mismatch": (lambda p: np.savez(p, x=np.zeros((3, 28, 28)), y=[0, 1]),
                        "3 images but 2"),
    "x NaN": (lambda p: np.savez(p, x=np.where(np.arange(2)[:, None, None] == 1, np.nan,
                                               np.zeros((2, 28, 28))), y=[0, 1]),
              "image 1 holds NaN"),
    "x above 255": (lambda p: np.savez(p, x=np.full((1, 28, 28), 300.0), y=[0]), "0..255"),
    "x negative": (lambda p: np.savez(p, x=np.full((1, 28, 28), -0.5), y=[0]), "expected"),
    "x int above 255": (lambda p: np.savez(p, x=np.full((1, 28, 28), 256), y=[0]), "0..255"),
    "writer below -1": (lambda p: np.savez(p, **valid_arrays(2), writer=[-2, 0]), "'writer'"),
    "writer length": (lambda p: np.savez(p, **valid_arrays(2), writer=[0]), "'writer'"),
    "case 2": (lambda p: np.savez(p, **valid_arrays(2), case=[0, 2]), "'case' holds 2"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_load_refuses_bad_files_naming_file_and_problem(tmp_path, kind):
    make, message = BAD_FILES[kind]
    path = tmp_path / "bad_letters.npz"
    make(path)
    with pytest.raises(ValueError, match=message) as info:
        load_npz(path)
    assert isinstance(info.value, DataError)
    assert "bad_letters.npz" in str(info.value)


def test_load_all_real_files(shared_data):
    sizes = {"chars74k_hnd": 2860, "tasnim_hw": 4816, "comnist_upper": 591}
    sets = {name: load_npz(shared_data / f"{name}.npz") for name in sizes}
    for name, s in sets.items():
        assert len(s) == sizes[name] and s.source == name
        assert s.x.dtype == np.uint8 and s.x.shape[1:] == (28, 28)
        assert (s.counts() > 0).all(), f"{name} lacks a letter"
        assert s.x.max() == 255
    chars = sets["chars74k_hnd"]
    assert len(np.unique(chars.writer)) == 55 and set(np.unique(chars.case)) == {0, 1}
    assert (sets["tasnim_hw"].writer == -1).all()
    assert (sets["comnist_upper"].case == -1).all()
    folds = writer_folds(chars, 5, np.random.default_rng(0))
    assert [len(np.unique(chars.writer[val])) for _, val in folds] == [11] * 5


# --- combine -----------------------------------------------------------------------------------


def test_combine_makes_writers_unique_across_sources():
    a = make_set(n_writers=4, n_unknown=3, seed=1, source="a")
    b = make_set(n_writers=5, n_unknown=2, seed=2, source="b")
    both = combine([a, b])
    assert len(both) == len(a) + len(b)
    assert np.array_equal(both.x[len(a):], b.x) and np.array_equal(both.y[:len(a)], a.y)
    assert np.array_equal(both.case[len(a):], b.case.astype(np.int8))
    wa, wb = both.writer[:len(a)], both.writer[len(a):]
    assert np.array_equal(wa, a.writer), "the first set keeps its ids"
    assert not set(wa[wa >= 0]) & set(wb[wb >= 0]), "writer 3 in two files is two people"
    assert len(np.unique(both.writer[both.writer >= 0])) == 4 + 5
    assert (wb[b.writer < 0] == -1).all() and (wa[a.writer < 0] == -1).all()
    # Same ids within a set stay together after shifting.
    assert len(np.unique(wb[b.writer == 3])) == 1
    assert both.source == "a+b"


def test_combine_refuses_nothing():
    with pytest.raises(DataError, match="at least one"):
        combine([])


# --- split -------------------------------------------------------------------------------------


def test_split_is_writer_disjoint_and_covers_everything():
    s = make_set(n_writers=20, n_unknown=26 * 10)
    train, val = split_indices(s, 0.2, np.random.default_rng(0))
    assert not set(train) & set(val)
    assert sorted(np.concatenate([train, val])) == list(range(len(s)))
    known_train = set(s.writer[train]) - {-1}
    known_val = set(s.writer[val]) - {-1}
    assert known_val and not known_train & known_val
    assert len(known_val) == 4, "20% of 20 equal writers is 4 writers"
    # Unknown-writer samples: 20% of each class.
    unknown_val = val[s.writer[val] == -1]
    assert len(unknown_val) == 52
    assert (np.bincount(s.y[unknown_val], minlength=26) == 2).all()


def test_split_returns_lettersets_and_is_deterministic():
    s = make_set(n_writers=10, n_unknown=50)
    train, val = split(s, 0.3, np.random.default_rng(7))
    assert len(train) + len(val) == len(s)
    again_train, again_val = split(s, 0.3, np.random.default_rng(7))
    assert np.array_equal(val.x, again_val.x) and np.array_equal(train.writer, again_train.writer)
    different = [split_indices(s, 0.3, np.random.default_rng(seed))[1] for seed in range(5)]
    assert any(not np.array_equal(different[0], d) for d in different[1:])


def test_split_zero_fraction_gives_empty_val():
    s = make_set(n_writers=3, n_unknown=30)
    train, val = split(s, 0.0, np.random.default_rng(0))
    assert len(val) == 0 and len(train) == len(s)
    assert val.x.shape == (0, 28, 28)


def test_split_keeps_a_writer_for_training():
    s = make_set(n_writers=2)
    train, val = split(s, 0.9, np.random.default_rng(0))
    assert len(np.unique(train.writer)) == 1 and len(np.unique(val.writer)) == 1


@pytest.mark.parametrize("fraction", [1.0, -0.1, 1.5, "0.2", None])
def test_split_refuses_bad_fractions(fraction):
    with pytest.raises(DataError, match="val_fraction"):
        split(make_set(n_writers=2), fraction, np.random.default_rng(0))


# --- writer_folds ------------------------------------------------------------------------------


def test_writer_folds_are_disjoint_covering_and_writer_disjoint():
    s = make_set(n_writers=23, n_unknown=100)
    folds = writer_folds(s, 5, np.random.default_rng(3))
    assert len(folds) == 5
    vals = np.concatenate([val for _, val in folds])
    assert sorted(vals) == list(range(len(s))), "each sample is validated exactly once"
    for train, val in folds:
        assert sorted(np.concatenate([train, val])) == list(range(len(s)))
        assert not (set(s.writer[train]) - {-1}) & (set(s.writer[val]) - {-1})
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 26 + 1, "folds are balanced to within one writer"
    again = writer_folds(s, 5, np.random.default_rng(3))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))


def test_writer_folds_refuse_bad_k_and_too_few_writers():
    s = make_set(n_writers=3)
    for k in (1, 0, 2.5, True):
        with pytest.raises(DataError, match="k must"):
            writer_folds(s, k, np.random.default_rng(0))
    with pytest.raises(DataError, match="too few"):
        writer_folds(s, 4, np.random.default_rng(0))


# --- EMNIST idx files --------------------------------------------------------------------------


def upright_l():
    """An upright "L": a bar down the left side and a foot along the bottom."""
    img = np.zeros((28, 28), np.uint8)
    img[3:25, 6:9] = 255
    img[22:25, 6:20] = 255
    return img


def write_emnist(folder, images, labels, suffix=""):
    """Write an EMNIST-style pair, each image stored transposed as EMNIST does."""
    images_path = folder / f"emnist-letters-test-images-idx3-ubyte{suffix}"
    write_idx(images_path, np.ascontiguousarray(np.asarray(images).transpose(0, 2, 1)))
    write_idx(folder / f"emnist-letters-test-labels-idx1-ubyte{suffix}",
              np.asarray(labels, np.uint8))
    return images_path


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_emnist_comes_back_upright_with_labels_from_zero(tmp_path, suffix):
    bar = np.zeros((28, 28), np.uint8)
    bar[2:5, 1:12] = 200  # a bar in the top-left, lying across
    path = write_emnist(tmp_path, [upright_l(), bar], [12, 1], suffix)
    s = load_emnist(path)
    assert np.array_equal(s.x[0], upright_l())
    assert np.array_equal(s.x[1], bar)
    assert s.x[0][23, 15] == 255 and s.x[0][15, 23] == 0, "the foot of the L is at the bottom"
    assert list(s.y) == [LETTERS.index("L"), LETTERS.index("A")]
    assert s.source == "emnist-letters-test"
    assert (s.writer == -1).all() and s.x.flags.c_contiguous


def test_write_idx_writes_the_idx_header(tmp_path):
    write_idx(tmp_path / "a-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    raw = (tmp_path / "a-images-idx3-ubyte").read_bytes()
    assert raw[:4] == IMAGES_MAGIC.to_bytes(4, "big")
    assert raw[4:16] == b"\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c"
    assert len(raw) == 16 + 2 * 784
    write_idx(tmp_path / "l.gz", np.arange(3, dtype=np.uint8))
    assert gzip.decompress((tmp_path / "l.gz").read_bytes())[:4] == b"\x00\x00\x08\x01"
    assert list(read_idx(tmp_path / "l.gz", LABELS_MAGIC)) == [0, 1, 2]
    with pytest.raises(DataError, match="uint8"):
        write_idx(tmp_path / "f", np.zeros(3, np.float32))


def test_labels_path_is_inferred_across_gzip(tmp_path):
    images = tmp_path / "emnist-letters-train-images-idx3-ubyte.gz"
    plain = tmp_path / "emnist-letters-train-labels-idx1-ubyte"
    assert labels_path_for(images) == tmp_path / "emnist-letters-train-labels-idx1-ubyte.gz"
    write_idx(plain, np.array([1], np.uint8))
    assert labels_path_for(images) == plain
    with pytest.raises(DataError, match="pass labels_path"):
        labels_path_for(tmp_path / "letters.bin")


def test_emnist_accepts_an_explicit_labels_path(tmp_path):
    images = tmp_path / "imgs"
    write_idx(images, upright_l().T[None].copy())
    write_idx(tmp_path / "labs", np.array([26], np.uint8))
    s = load_emnist(images, tmp_path / "labs")
    assert list(s.y) == [25] and np.array_equal(s.x[0], upright_l())


def _emnist_case(tmp_path, kind):
    """Build a broken pair; returns (images_path, labels_path)."""
    images = write_emnist(tmp_path, [upright_l()] * 3, [1, 2, 3])
    labels = labels_path_for(images)
    if kind == "swapped":
        return labels, images
    if kind == "truncated images":
        images.write_bytes(images.read_bytes()[:-10])
    elif kind == "truncated header":
        images.write_bytes(images.read_bytes()[:9])
    elif kind == "extra bytes":
        labels.write_bytes(labels.read_bytes() + b"\x01")
    elif kind == "truncated gzip":
        gz = images.with_name(images.name + ".gz")
        packed = gzip.compress(images.read_bytes())
        gz.write_bytes(packed[:len(packed) // 2])
        return gz, labels
    elif kind == "count mismatch":
        write_idx(labels, np.array([1, 2], np.uint8))
    elif kind in ("label 0", "label 27"):
        write_idx(labels, np.array([1, int(kind[6:]), 3], np.uint8))
    elif kind == "not 28x28":
        write_idx(images, np.zeros((3, 28, 20), np.uint8))
    elif kind == "missing labels":
        labels.unlink()
    elif kind == "empty file":
        images.write_bytes(b"")
    return images, labels


EMNIST_REFUSALS = {
    "swapped": "magic number 0x00000801",
    "truncated images": "truncated",
    "truncated header": "truncated inside its header",
    "extra bytes": "longer than its header",
    "truncated gzip": "gzip",
    "count mismatch": "3 images but .* 2 labels",
    "label 0": "label 0 at index 1 is outside 1..26",
    "label 27": "label 27 at index 1",
    "not 28x28": "28x20",
    "missing labels": "no such file",
    "empty file": "too short",
}


@pytest.mark.parametrize("kind", EMNIST_REFUSALS)
def test_emnist_refuses_bad_files_naming_them(tmp_path, kind):
    images, labels = _emnist_case(tmp_path, kind)
    with pytest.raises(DataError, match=EMNIST_REFUSALS[kind]) as info:
        load_emnist(images, labels)
    assert "emnist-letters-test" in str(info.value)


def test_read_idx_reports_a_wrong_magic_number(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(b"\x00\x00\x0d\x03" + b"\x00" * 20)
    with pytest.raises(DataError, match=r"0x00000D03, expected 0x00000803"):
        read_idx(path, IMAGES_MAGIC)


def test_zip_detection_is_not_fooled_by_a_zip_of_nothing(tmp_path):
    path = tmp_path / "empty.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    with pytest.raises(DataError, match="missing 'x', 'y'.*nothing"):
        load_npz(path)
