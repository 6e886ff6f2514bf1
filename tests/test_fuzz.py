"""Seeded fuzzing: mutated model, letter-set, sample and EMNIST files give only the documented
errors, and whatever loads is sane; hostile numbers through preprocessing likewise."""

import io
import re
import warnings
import zipfile

import numpy as np
import pytest

from cnn import checkpoint
from cnn.checkpoint import CheckpointError
from cnn.data import DataError, LetterSet, load_npz, save_npz
from cnn.emnist import labels_path_for, load_emnist, write_idx
from cnn.model import build_model
from cnn.preprocess import SIZE, preprocess_packed, preprocess_strokes
from cnn.samples import SampleStore
from tests import zipcraft

ROUNDS = 150  # mutations per kind of file: about a second each on a laptop

SHAPES = ["()", "(0,)", "(3,)", "(-1,)", "(10**12,)", "(2, 28, 28)", "(1, 1, 1, 1, 1)",
          "(99999999999, 28, 28)", "('a',)", "(1.5,)", "[3]", "(2**64,)"]
DESCRS = ["'|u1'", "'<f8'", "'>i4'", "'|O'", "'<U5'", "'|V8'", "'<c16'", "'|b1'", "'xyz'",
          "[('a', '<i4')]", "'<U0'", "'<f2'", "3"]


def _members(raw: bytes) -> tuple[dict[str, bytes], bool]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        deflated = any(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
        return {i.filename: z.read(i) for i in z.infolist()}, deflated


def _edit_npy(data: bytes, rng) -> bytes:
    """One npy member with its header changed: shape, dtype, order, garbage or version."""
    end = data.index(b"\n", 10) + 1
    header = data[10:end].decode("latin1")
    op = rng.integers(6)
    if op == 0:
        header = re.sub(r"'shape': \([^)]*\)", f"'shape': {SHAPES[rng.integers(len(SHAPES))]}",
                        header)
    elif op == 1:
        header = re.sub(r"'descr': '[^']*'", f"'descr': {DESCRS[rng.integers(len(DESCRS))]}",
                        header)
    elif op == 2:
        header = header.replace("False", ["True", "'x'", "1"][rng.integers(3)], 1)
    elif op == 3:
        at = int(rng.integers(len(header)))
        junk = bytes(rng.integers(0, 256, int(rng.integers(1, 6)), dtype=np.uint8))
        header = header[:at] + junk.decode("latin1") + header[at + 1:]
    elif op == 4:
        header = header[: int(rng.integers(len(header)))]  # cut short, length field kept
        return data[:10] + header.encode("latin1") + data[end:]
    else:
        return data[:6] + bytes([int(rng.integers(0, 5)), int(rng.integers(0, 3))]) + data[8:]
    text = header.encode("latin1")
    return data[:8] + len(text).to_bytes(2, "little") + text + data[end:]


def mutate(raw: bytes, rng, is_zip: bool = True) -> bytes:
    """`raw` with one random mutation: bytes flipped, cut short, zip fields or npy headers."""
    op = rng.integers(5 if is_zip else 2)
    if op == 0:
        b = bytearray(raw)
        for at in rng.integers(0, len(b), int(rng.integers(1, 5))):
            b[at] ^= int(rng.integers(1, 256))
        return bytes(b)
    if op == 1:
        return raw[: int(rng.integers(0, len(raw)))]
    n_members = raw.count(zipcraft.CENTRAL)
    nth = int(rng.integers(n_members))
    if op == 2:
        method = int(rng.choice([0, 8, 12, 14, 99, 65535]))
        return zipcraft.set_method(raw, method, nth)
    if op == 3:
        size = int(rng.choice([0, 1, 100, 2**31, 2**32 - 1]))
        sig, offset = ((zipcraft.LOCAL, zipcraft.LOCAL_SIZE) if rng.integers(2)
                       else (zipcraft.CENTRAL, zipcraft.CENTRAL_SIZE))
        return zipcraft.patch(raw, sig, offset, "<I", size, nth)
    members, deflated = _members(raw)
    name = list(members)[nth]
    members[name] = _edit_npy(members[name], rng)
    return zipcraft.zip_of(members, deflate=deflated)


def _check_model(model, meta):
    out = model.forward(np.zeros((1, 1, 28, 28), np.float32))
    assert out.shape == (1, 26) and np.isfinite(out).all()
    assert isinstance(meta["spec"], list)


def _check_letters(s: LetterSet):
    assert s.x.dtype == np.uint8 and s.x.shape[1:] == (28, 28)
    assert s.y.dtype == np.int64 and ((s.y >= 0) & (s.y < 26)).all()
    for strokes in s.strokes or []:
        assert all(k.ndim == 2 and k.shape[1] == 2 and np.isfinite(k).all() for k in strokes)


def _fuzz(raw: bytes, path, load, check, allowed, seed: int, is_zip: bool = True):
    rng = np.random.default_rng(seed)
    loaded = 0
    for _ in range(ROUNDS):
        path.write_bytes(mutate(raw, rng, is_zip))
        try:
            result = load(path)
        except allowed:
            continue
        check(result)
        loaded += 1
    return loaded


def test_mutated_model_files_give_only_checkpoint_errors(tmp_path):
    spec = [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1},
            {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
            {"type": "flatten"}, {"type": "linear", "out_features": 26}]
    good = tmp_path / "good.npz"
    checkpoint.save(build_model(spec, np.random.default_rng(0)), good,
                    {"name": "fuzz", "history": [{"epoch": 1, "loss": 1.0}]})
    _fuzz(good.read_bytes(), tmp_path / "m.npz", lambda p: _check_model(*checkpoint.load(p)),
          lambda r: None, CheckpointError, seed=1)


def test_mutated_letter_sets_with_strokes_give_only_data_errors(tmp_path):
    rng = np.random.default_rng(0)
    strokes = [[rng.random((int(rng.integers(1, 5)), 2)) * 100] for _ in range(6)]
    good = tmp_path / "good.npz"
    save_npz(LetterSet(rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.arange(6),
                       writer=np.arange(6) % 2, strokes=strokes, source="fuzz"), good)
    for deflated in (True, False):
        members, _ = _members(good.read_bytes())
        raw = zipcraft.zip_of(members, deflate=deflated)
        loaded = _fuzz(raw, tmp_path / "s.npz", load_npz, _check_letters, DataError,
                       seed=2 + deflated)
        assert loaded < ROUNDS  # the mutations do reach the checks


def test_mutated_sample_files_are_skipped_and_reported_never_raised(tmp_path):
    store = SampleStore(tmp_path / "samples")
    sid = store.add(np.eye(28, dtype=np.uint8) * 255, "b", [np.array([[0.0, 0], [5, 5]])])
    path = store.folder / f"{sid}.npz"
    raw = path.read_bytes()
    rng = np.random.default_rng(4)
    skipped = 0
    for _ in range(ROUNDS):
        path.write_bytes(mutate(raw, rng))
        fresh = SampleStore(store.folder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            listed = fresh.list()
            letters = fresh.to_letterset()
        assert len(listed) + len(fresh.problems) == 1
        if fresh.problems:
            skipped += 1
            assert fresh.problems[0].name == path.name and fresh.problems[0].reason
        else:
            _check_letters(letters)
    assert skipped > 0


def test_mutated_emnist_files_give_only_data_errors(tmp_path):
    images = tmp_path / "emnist-letters-test-images-idx3-ubyte"
    write_idx(images, np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8))
    write_idx(labels_path_for(images), np.array([1, 2, 3, 26], np.uint8))
    gz = tmp_path / "emnist-letters-test-images-idx3-ubyte.gz"
    write_idx(gz, np.zeros((4, 28, 28), np.uint8))
    labels = labels_path_for(images)
    for target in (images, gz):
        _fuzz(target.read_bytes(), target, lambda p: load_emnist(p, labels), _check_letters,
              DataError, seed=5, is_zip=False)


# --- preprocessing on hostile numbers ----------------------------------------------------------

HOSTILE = np.array([np.inf, -np.inf, np.nan, 1e308, -1e308, 3.4e38, 1e-320, -1e-320, 0.0, 1.0,
                    255.0, 1e9, -1e9, 5e-324])


def _hostile(rng, shape) -> np.ndarray:
    a = rng.random(shape) * 10.0 ** rng.uniform(-300, 300)
    mask = rng.random(shape) < rng.random()
    a[mask] = rng.choice(HOSTILE, int(mask.sum()))
    return a


def _check_pre(p):
    assert p.image.shape == (SIZE, SIZE) and p.image.dtype == np.float32
    assert np.isfinite(p.image).all() and p.image.min() >= 0 and p.image.max() <= 1


@pytest.mark.parametrize("seed", range(3))
def test_preprocessing_hostile_numbers_gives_a_sane_image_or_a_value_error(seed):
    rng = np.random.default_rng(seed)
    for _ in range(100):
        strokes = [_hostile(rng, (int(rng.integers(1, 6)), 2)) for _ in range(rng.integers(1, 3))]
        pen = float(rng.choice([1.0, 0.0, -1.0, np.nan, np.inf, 1e300, 2.5]))
        try:
            _check_pre(preprocess_strokes(strokes, (400, 400), pen_scale=pen))
        except ValueError as e:
            assert "stroke points" in str(e) or "pen_scale" in str(e)
        pts = np.concatenate(strokes)
        try:
            out = preprocess_packed(pts, [len(s) for s in strokes], [len(strokes)], pen)
            assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
        except ValueError as e:
            assert "stroke points" in str(e) or "pen_scale" in str(e)


def test_preprocessing_refuses_what_it_cannot_draw_and_keeps_what_it_can():
    line = [np.array([[0.0, 0.0], [4.0, 5.0]])]
    for bad in ([np.array([[0.0, 0.0], [np.inf, 5.0]])], [np.array([[-1e308, 0], [1e308, 5]])],
                [np.array([[0.0, 0.0], [np.nan, 5.0]])]):
        with pytest.raises(ValueError, match="stroke points"):
            preprocess_strokes(bad)
    for pen in (np.nan, -1.0, -1 / 0.115, 1e300):
        with pytest.raises(ValueError, match="pen_scale"):
            preprocess_strokes(line, pen_scale=pen)
    assert preprocess_strokes([np.array([[0.0, 0.0], [1e-320, 1e-320]])]).blank
