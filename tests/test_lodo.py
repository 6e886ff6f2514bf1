import json

import numpy as np
import pytest

from cnn import checkpoint
from cnn.bars import I_CLASS, L_CLASS, bar_kinds
from cnn.data import LetterSet, load_npz, save_npz
from cnn.lodo import measure, stroke_images
from cnn.preprocess import preprocess_strokes
from tests.cli import run_cli


def _pen_letters(n, writers, source, seed=0):
    """n letters with pen strokes: bars labelled I or l, and boxes labelled O, in tablet units."""
    rng = np.random.default_rng(seed)
    strokes, y, case = [], [], []
    for i in range(n):
        h = rng.uniform(50, 400)
        if i % 2:
            strokes.append([np.array([[0, 0], [h, 0], [h, h], [0, h], [0, 0]], float)])
            y.append(14)
            case.append(0)
        else:
            strokes.append([np.array([[0, 0], [rng.uniform(-3, 3), h]])])
            y.append(I_CLASS if i % 4 else L_CLASS)
            case.append(0 if i % 4 else 1)
    x = np.stack([preprocess_strokes(s).image for s in strokes])
    return LetterSet(x, np.array(y), np.arange(n) % writers, np.array(case), source, strokes)


def test_stroke_images_draw_each_letter_as_the_canvas_does():
    letters = _pen_letters(6, 3, "pen")
    letters.strokes[3] = []  # a letter without strokes is left out
    x, idx = stroke_images(letters)
    assert list(idx) == [0, 1, 2, 4, 5]
    for image, i in zip(x, idx, strict=True):
        expected = np.rint(preprocess_strokes(letters.strokes[i]).image * 255)
        assert np.abs(image.astype(int) - expected).max() <= 1


def test_bar_kinds_tell_bars_from_serifed_i_and_looped_l():
    x = np.zeros((4, 28, 28), np.uint8)
    x[:, 2:26, 13:15] = 255  # a bar two pixels wide
    x[1, 2:4, 8:20] = 255  # with serifs: a wide I
    x[2, 2:26, 9:19] = 255  # a wide loop: a looped l
    y = np.array([L_CLASS, I_CLASS, L_CLASS, I_CLASS])
    case = np.array([1, 0, 1, 1])  # the last is an 'i': not an I / l letter
    assert list(bar_kinds(x, y, case)) == ["bar", "serifed I", "looped l", ""]


def test_measure_counts_confusions_and_how_bars_are_read():
    letters = _pen_letters(8, 2, "pen")
    probs = np.full((8, 26), 0.01)
    probs[np.arange(8), letters.y] = 0.75
    probs[0, I_CLASS], probs[0, L_CLASS] = 0.7, 0.05  # an l bar read as I
    probs /= probs.sum(1, keepdims=True)
    m = measure(probs, letters)
    assert m["n"] == 8 and m["accuracy"] == pytest.approx(7 / 8)
    assert m["confusions"] == [("L", "I", 1)]
    assert m["per_letter"]["L"] == 0.5 and m["per_letter"]["O"] == 1.0
    assert m["bars"]["bar"]["n"] == 4 and m["bars"]["bar"]["true_l"] == 2
    assert m["bars"]["bar"]["read_I"] == 0.75
    assert 0 <= m["ece"] <= 1



def test_lodo_trains_without_each_set_and_reads_it_both_ways(tmp_path):
    paths = []
    for k, name in enumerate(("tablet", "paper")):
        letters = _pen_letters(40, 4, name, seed=k)
        if name == "paper":
            letters.strokes = None  # bitmaps only
        paths.append(str(save_npz(letters, tmp_path / f"{name}.npz")))
    out = tmp_path / "lodo"
    r = run_cli("lodo", "--data", paths[0], "--data", paths[1], "--limit", "30", "--out", str(out),
                "--", "--arch", "small", "--epochs", "1", "--batch-size", "16")
    assert r.returncode == 0, r.stderr
    assert "tablet through strokes" in r.stdout and "paper through bitmaps" in r.stdout
    assert "paper through strokes" not in r.stdout
    summary = json.loads((out / "lodo.json").read_text())
    assert set(summary["results"]) == {"tablet", "paper"}
    assert set(summary["results"]["tablet"]) == {"bitmaps", "strokes"}
    # Each model was trained on the other set only, limited to 30 of its letters.
    meta = checkpoint.load(out / "lodo-tablet.npz")[1]
    assert list(meta["data"]) == ["paper"] and meta["train_n"] == 30
    assert len(load_npz(out / "tablet-limit30.npz")) == 30


def test_lodo_reads_every_set_with_a_given_model(tmp_path):
    path = save_npz(_pen_letters(12, 3, "tablet"), tmp_path / "tablet.npz")
    model = tmp_path / "m.npz"
    from cnn.model import build_model

    checkpoint.save(build_model("small", np.random.default_rng(0)), model, {"name": "m"})
    r = run_cli("lodo", "--model", str(model), "--data", str(path))
    assert r.returncode == 0, r.stderr
    assert "tablet through bitmaps" in r.stdout and "tablet through strokes" in r.stdout
    r = run_cli("lodo", "--data", str(path))  # neither a model nor a folder to train into
    assert r.returncode == 2 and "--out" in r.stderr


def test_lodo_refuses_a_negative_limit_an_unknown_only_and_a_file_as_out(tmp_path):
    path = save_npz(_pen_letters(12, 3, "tablet"), tmp_path / "tablet.npz")
    other = save_npz(_pen_letters(12, 3, "paper", seed=1), tmp_path / "paper.npz")
    r = run_cli("lodo", "--data", path, "--data", other, "--out", tmp_path / "l", "--limit", -5)
    assert r.returncode == 2 and "--limit: must be at least 0" in r.stderr, r.stderr
    r = run_cli("lodo", "--data", path, "--data", other, "--out", tmp_path / "l",
                "--only", "tablets")  # a typo: nothing would be held out
    assert r.returncode == 2 and "--only tablets: no --data set" in r.stderr, r.stderr
    (tmp_path / "file").write_text("not a folder")
    r = run_cli("lodo", "--data", path, "--data", other, "--out", tmp_path / "file")
    assert r.returncode == 2 and "--out" in r.stderr and "is a file" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and (tmp_path / "file").read_text() == "not a folder"
