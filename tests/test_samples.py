"""SampleStore: adding, listing, exporting and importing the user's samples without losing any."""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import cnn.samples as samples_module
from cnn.data import DataError, LetterSet, load_npz, save_npz
from cnn.samples import ME, SampleStore

REPO = Path(__file__).resolve().parents[1]


def image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (28, 28), dtype=np.uint8)


def strokes(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0, 400, (5, 2)), rng.uniform(0, 400, (1, 2))]


@pytest.fixture
def store(tmp_path):
    return SampleStore(tmp_path / "samples")


def sample_files(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# --- adding and reading back -------------------------------------------------------------------


def test_add_and_get_round_trip_uint8_and_strokes(store):
    drawn = strokes(1)
    sid = store.add(image(1), 7, drawn)
    s = store.get(sid)
    assert s.id == sid and s.label == 7 and s.case == -1
    assert s.image.dtype == np.uint8 and np.array_equal(s.image, image(1))
    assert len(s.strokes) == 2
    for got, want in zip(s.strokes, drawn, strict=True):
        assert np.array_equal(got, want), "strokes are kept exactly"
    assert (store.folder / f"{sid}.npz").is_file()


def test_add_takes_a_float_image_in_unit_range(store):
    f = np.zeros((28, 28))
    f[4, 5], f[6, 7] = 1.0, 0.2
    s = store.get(store.add(f, 0))
    assert s.image[4, 5] == 255 and s.image[6, 7] == 51 and s.image.sum() == 306


def test_a_letter_label_sets_the_case(store):
    lower, upper = store.add(image(), "q"), store.add(image(), "Q")
    assert (store.get(lower).label, store.get(lower).case) == (16, 1)
    assert (store.get(upper).label, store.get(upper).case) == (16, 0)
    assert store.get(store.add(image(), 2, case=1)).case == 1


def test_list_counts_len_and_delete(store):
    assert len(store) == 0 and store.list() == [] and store.counts().sum() == 0
    a = store.add(image(1), 0, created=1_700_000_002.0)
    b = store.add(image(2), 25, created=1_700_000_001.0)
    c = store.add(image(3), 25, created=1_700_000_003.0)
    listed = store.list()
    assert [i.id for i in listed] == [b, a, c], "oldest first"
    assert [i.label for i in listed] == [25, 0, 25]
    assert listed[0].created == 1_700_000_001.0
    counts = store.counts()
    assert counts.shape == (26,) and counts[0] == 1 and counts[25] == 2
    assert len(store) == 3
    store.delete(a)
    assert [i.id for i in store.list()] == [b, c] and len(store) == 2
    with pytest.raises(DataError, match="no sample"):
        store.get(a)
    with pytest.raises(DataError, match="no sample"):
        store.delete(a)


def test_ids_are_unique_even_at_the_same_instant(store):
    ids = [store.add(image(i), i, created=1_700_000_000.0) for i in range(3)]
    assert len(set(ids)) == 3 and len(store) == 3


def test_get_returns_a_copy(store):
    sid = store.add(image(), 1, strokes())
    store.get(sid).image[:] = 0
    store.get(sid).strokes[0][:] = -1
    assert np.array_equal(store.get(sid).image, image())
    assert (store.get(sid).strokes[0] >= 0).all()


def test_default_folder_is_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LETTERLENS_DATA_DIR", str(tmp_path / "data"))
    store = SampleStore()
    assert store.folder == tmp_path / "data" / "samples"
    assert len(store) == 0, "a store whose folder does not exist yet is empty"
    store.add(image(), 3)
    assert len(SampleStore()) == 1


BAD_ADDS = {
    "wrong shape": (dict(image28=np.zeros((28, 27))), r"\(28, 28\)"),
    "float above 1": (dict(image28=np.full((28, 28), 2.0)), r"\[0, 1\]"),
    "negative float": (dict(image28=np.full((28, 28), -0.5)), r"\[0, 1\]"),
    "NaN image": (dict(image28=np.full((28, 28), np.nan)), "NaN"),
    "int64 image": (dict(image28=np.zeros((28, 28), np.int64)), "uint8 or float"),
    "label 26": (dict(label=26), "0..25"),
    "label -1": (dict(label=-1), "0..25"),
    "label True": (dict(label=True), "0..25 or a letter"),
    "label 1.0": (dict(label=1.0), "0..25 or a letter"),
    "label two letters": (dict(label="ab"), "a letter"),
    "label digit": (dict(label="7"), "a letter"),
    "stroke shape": (dict(strokes=[np.zeros((4, 3))]), r"stroke 0 has shape \(4, 3\)"),
    "stroke NaN": (dict(strokes=[np.zeros((2, 2)), np.full((2, 2), np.nan)]), "stroke 1"),
    "strokes not a list": (dict(strokes=np.zeros((4, 2))), "list"),
    "case 3": (dict(case=3), "case"),
    "created NaN": (dict(created=float("nan")), "created"),
    "created text": (dict(created="yesterday"), "created"),
    "ragged stroke": (dict(strokes=[[[1.0, 2.0], [3.0]]]), "stroke 0 is not an"),
}


@pytest.mark.parametrize("kind", BAD_ADDS)
def test_add_refuses_bad_input_and_stores_nothing(store, kind):
    kwargs, message = BAD_ADDS[kind]
    args = dict(image28=image(), label=0) | kwargs
    with pytest.raises(ValueError, match=message):
        store.add(**args)
    assert len(store) == 0


@pytest.mark.parametrize("bad_id", ["../escape", "", ".hidden", "a/b", 5])
def test_ids_cannot_reach_outside_the_folder(store, bad_id):
    with pytest.raises(DataError, match="not a sample id"):
        store.get(bad_id)
    with pytest.raises(DataError, match="not a sample id"):
        store.delete(bad_id)


# --- LetterSet, export, import -----------------------------------------------------------------


def test_to_letterset_is_one_writer(store):
    empty = store.to_letterset()
    assert len(empty) == 0 and empty.x.shape == (0, 28, 28)
    store.add(image(1), "b")
    store.add(image(2), 4)
    s = store.to_letterset()
    assert isinstance(s, LetterSet) and len(s) == 2
    assert list(s.y) == [1, 4] and list(s.case) == [1, -1]
    assert (s.writer == ME).all() and ME >= 0
    assert np.array_equal(s.x[0], image(1))


def test_export_then_import_round_trips_with_strokes(store, tmp_path):
    store.add(image(1), "a", strokes(1), created=1_700_000_001.0)
    store.add(image(2), 9, created=1_700_000_002.0)
    store.add(image(3), "Z", strokes(3)[:1], created=1_700_000_003.0)
    path = store.export_npz(tmp_path / "mine.npz")
    plain = load_npz(path)
    assert len(plain) == 3 and list(plain.y) == [0, 9, 25], "an export is a LetterSet npz"

    other = SampleStore(tmp_path / "elsewhere")
    assert other.import_npz(path) == 3
    for a, b in zip(store.list(), other.list(), strict=True):
        sa, sb = store.get(a.id), other.get(b.id)
        assert (sa.label, sa.case, sa.created) == (sb.label, sb.case, sb.created)
        assert np.array_equal(sa.image, sb.image)
        assert len(sa.strokes) == len(sb.strokes)
        assert all(np.array_equal(p, q) for p, q in zip(sa.strokes, sb.strokes, strict=True))
    assert other.import_npz(path) == 0, "importing the same export twice adds nothing"
    assert len(other) == 3


def test_import_any_letterset_npz(store, tmp_path):
    rng = np.random.default_rng(0)
    s = LetterSet(rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), [0, 1, 2, 2],
                  writer=[5, 5, 6, -1], case=[0, 1, -1, 0])
    path = save_npz(s, tmp_path / "set.npz")
    assert store.import_npz(path) == 4
    back = store.to_letterset()
    assert sorted(back.y) == [0, 1, 2, 2] and (back.writer == ME).all()
    assert sorted(back.case) == [-1, 0, 0, 1]


def test_import_refuses_bad_files_and_adds_nothing(store, tmp_path):
    store.add(image(), 0)
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(DataError, match="bad.npz"):
        store.import_npz(bad)
    half = tmp_path / "half.npz"
    np.savez(half, x=np.zeros((2, 28, 28), np.uint8), y=[0, 1], stroke_points=np.zeros((3, 2)))
    with pytest.raises(DataError, match="half.npz: strokes need all of"):
        store.import_npz(half)
    cut = tmp_path / "cut.npz"
    np.savez(cut, x=np.zeros((2, 28, 28), np.uint8), y=[0, 1], stroke_points=np.zeros((3, 2)),
             stroke_offsets=[0, 3], sample_stroke_offsets=[0, 1, 5])
    with pytest.raises(DataError, match="cut.npz: sample_stroke_offsets"):
        store.import_npz(cut)
    when = tmp_path / "when.npz"
    np.savez(when, x=np.zeros((2, 28, 28), np.uint8), y=[0, 1], created=[1.0, np.nan])
    with pytest.raises(DataError, match="when.npz: 'created'"):
        store.import_npz(when)
    assert len(store) == 1


def test_import_real_chars74k_keeps_its_pen_strokes(store, shared_data):
    # Only the first few samples: the test stays fast.
    real = np.load(shared_data / "chars74k_hnd.npz", allow_pickle=False)
    n = 3
    per = real["sample_stroke_offsets"][: n + 1]
    offsets = real["stroke_offsets"][: per[-1] + 1]
    path = store.folder.parent / "few.npz"
    np.savez(path, x=real["x"][:n], y=real["y"][:n], writer=real["writer"][:n],
             case=real["case"][:n], stroke_points=real["stroke_points"][: offsets[-1]],
             stroke_offsets=offsets, sample_stroke_offsets=per)
    assert store.import_npz(path) == n
    got = [store.get(i.id) for i in store.list()]
    assert sum(len(s.strokes) for s in got) == per[-1]
    assert all(len(s.strokes) > 0 for s in got)


# --- crashes and damaged files -----------------------------------------------------------------


def test_a_write_failing_halfway_loses_nothing(store, monkeypatch):
    kept = [store.add(image(i), i, strokes(i)) for i in range(3)]

    def failing(f, sample):
        f.write(b"PK\x03\x04" + b"\x00" * 50)
        raise OSError("disk full")

    monkeypatch.setattr(samples_module, "write_sample", failing)
    with pytest.raises(OSError, match="disk full"):
        store.add(image(9), 9)
    monkeypatch.undo()
    assert sorted(os.listdir(store.folder)) == sorted(f"{i}.npz" for i in kept)
    fresh = SampleStore(store.folder)
    assert [i.id for i in fresh.list()] == kept
    assert all(np.array_equal(fresh.get(k).image, image(i)) for i, k in enumerate(kept))
    store.add(image(4), 4)
    assert len(store) == 4


def test_a_process_killed_mid_write_leaves_earlier_samples_loadable(store):
    kept = [store.add(image(i), i) for i in range(2)]
    script = textwrap.dedent("""
        import os, sys
        import numpy as np
        import cnn.samples as samples

        def dying(f, sample):
            f.write(b"PK\\x03\\x04" + b"\\x00" * 100)
            f.flush()
            os._exit(3)  # no cleanup runs: the temporary file stays behind

        samples.write_sample = dying
        samples.SampleStore(sys.argv[1]).add(np.zeros((28, 28), np.uint8), 5)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script, str(store.folder)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    leftovers = [p for p in os.listdir(store.folder) if p.startswith(".")]
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leftover temporary file is not worth a warning
        fresh = SampleStore(store.folder)
        assert [i.id for i in fresh.list()] == kept
        assert len(fresh.to_letterset()) == 2


def test_a_damaged_sample_file_is_skipped_with_a_warning(store):
    good = store.add(image(1), 1)
    victim = store.add(image(2), 2)
    path = store.folder / f"{victim}.npz"
    path.write_bytes(path.read_bytes()[:60])
    (store.folder / "20000101-000000-000000.npz").write_bytes(b"")
    np.savez(store.folder / "20000101-000000-000001.npz", image=np.zeros(3))
    (store.folder / "notes.txt").write_text("ignored: not a sample")
    fresh = SampleStore(store.folder)
    with pytest.warns(UserWarning, match="skipping unreadable sample") as record:
        listed = fresh.list()
    assert [i.id for i in listed] == [good]
    assert len(record) == 3 and any(victim in str(w.message) for w in record)
    with pytest.warns(UserWarning):
        assert len(fresh.to_letterset()) == 1
    with pytest.raises(DataError, match=victim):
        fresh.get(victim)
    assert path.exists(), "a damaged file is left for the person to inspect, never deleted"


def test_a_sample_from_a_newer_format_is_skipped_not_misread(store):
    sid = store.add(image(1), 1)
    newer = store.folder / "20000101-000000-000000.npz"
    np.savez(newer, format=np.int64(99), image=image(2), label=np.int64(2), case=np.int64(0),
             created=np.float64(1e9), stroke_points=np.zeros((0, 2)), stroke_offsets=[0])
    with pytest.warns(UserWarning, match="format 99 is newer"):
        assert [i.id for i in store.list()] == [sid]


def test_a_file_changed_behind_the_store_is_read_again(store):
    sid = store.add(image(1), 1)
    assert store.list()[0].label == 1
    other = SampleStore(store.folder)
    other.delete(sid)
    assert store.list() == []
    sid2 = other.add(image(2), 2)
    assert [i.id for i in store.list()] == [sid2]
    assert sample_files(store.folder) == [f"{sid2}.npz"]


def test_find_names_a_stored_sample_with_the_same_image_label_and_case(tmp_path):
    store = SampleStore(tmp_path)
    image = np.zeros((28, 28), np.uint8)
    image[5:20, 10:14] = 255
    first = store.add(image, "L")
    assert store.find(image, "L") == first
    assert store.find(image.astype(np.float32) / 255, "L") == first  # the same, as floats
    assert store.find(image, 11) is None  # its case unknown: not the same sample
    assert store.find(image, "l") is None  # lower case: another sample
    assert store.find(image, "I") is None
    other = image.copy()
    other[0, 0] = 1
    assert store.find(other, "L") is None


# --- what the My samples window needs ----------------------------------------------------------


def test_summaries_give_each_sample_its_image_case_and_stroke_count(store):
    a = store.add(image(1), "a", strokes(1))
    b = store.add(image(2), 3)
    got = store.summaries()
    assert [(s.id, s.label, s.case, s.strokes) for s in got] == [(a, 0, 1, 2), (b, 3, -1, 0)]
    assert np.array_equal(got[0].image, image(1))
    got[0].image[:] = 0  # a copy: the store's sample is untouched
    assert np.array_equal(store.get(a).image, image(1))


def test_relabel_writes_the_new_letter_and_removes_the_old_file(store):
    old = store.add(image(1), "O", strokes(1), created=1_700_000_000.5)
    new = store.relabel(old, "Q")
    assert new != old and sample_files(store.folder) == [f"{new}.npz"]
    s = store.get(new)
    assert (s.label, s.created, len(s.strokes)) == (16, 1_700_000_000.5, 2)
    assert np.array_equal(s.image, image(1))


def test_relabel_that_cannot_remove_the_old_file_keeps_only_the_old(store, monkeypatch):
    old = store.add(image(1), "O")

    def refuse(sample_id):
        if sample_id == old:
            raise PermissionError(13, "Permission denied")
        (store.folder / f"{sample_id}.npz").unlink()

    monkeypatch.setattr(store, "delete", refuse)
    with pytest.raises(PermissionError):
        store.relabel(old, "Q")
    assert sample_files(store.folder) == [f"{old}.npz"]
    assert store.get(old).label == 14
