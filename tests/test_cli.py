import json

import numpy as np

from cnn import checkpoint
from cnn.data import LetterSet, save_npz
from tests.cli import run_cli, run_module
from tests.test_train import _blobs


def test_train_then_evaluate_on_a_tiny_generated_set(tmp_path):
    x, y = _blobs(300)
    writer = np.arange(300) % 10
    save_npz(LetterSet(x, y, writer=writer, source="blobs"), tmp_path / "blobs.npz")
    out = tmp_path / "model.npz"
    r = run_cli("train", "--data", str(tmp_path / "blobs.npz"), "--arch", "small", "--epochs", "3",
                "--batch-size", "32", "--lr", "0.003", "--optimizer", "adam", "--seed", "1",
                "--val-fraction", "0.2", "--label-smoothing", "0.1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "samples/s" in r.stderr and "ETA" in r.stderr and "val" in r.stderr
    assert checkpoint.load(out)[1]["training"]["label_smoothing"] == 0.1
    r = run_cli("evaluate", "--model", str(out), "--data", str(tmp_path / "blobs.npz"), "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["n"] == 300
    assert result["accuracy"] > 0.8
    assert len(result["per_class"]) == 26
    assert np.array(result["confusion"]).shape == (26, 26)
    r = run_cli("evaluate", "--model", str(out), "--data", str(tmp_path / "blobs.npz"))
    assert "accuracy" in r.stdout and "confusion matrix" in r.stdout


def test_train_redraws_letters_that_have_pen_strokes(tmp_path):
    x, y = _blobs(104)
    pen = [[np.array([[0.0, 0.0], [0.0, 50.0 + i]]), np.array([[0.0, 0.0], [30.0, i % 7]])]
           for i in range(104)]
    save_npz(LetterSet(x, y, writer=np.arange(104) % 4, source="pen", strokes=pen),
             tmp_path / "pen.npz")
    out = tmp_path / "model.npz"
    r = run_cli("train", "--data", str(tmp_path / "pen.npz"), "--arch", "small", "--epochs", "1",
                "--redraw", "2", "--val-fraction", "0.25", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "redrawn from pen strokes: 156 letters" in r.stderr  # 2 x the 78 training letters
    meta = checkpoint.load(out)[1]
    assert meta["training"]["redraw"] == 2 and meta["train_n"] == 78 + 156


def test_bad_files_give_a_message_not_a_traceback(tmp_path):
    (tmp_path / "junk.npz").write_text("junk")
    r = run_module("evaluate", "--model", tmp_path / "junk.npz", "--data", tmp_path / "x.npz")
    assert r.returncode == 2
    assert r.stderr.startswith("error:") and "Traceback" not in r.stderr
    r = run_module("train", "--synthetic", "10", "--label-smoothing", "1", "--out",
                   str(tmp_path / "m.npz"))
    assert r.returncode == 2 and "--label-smoothing" in r.stderr


def test_evaluate_without_a_model_reads_with_the_shipped_one(tmp_path):
    from cnn.paths import DEFAULT_MODEL
    from cnn.synthetic import generate_set

    s = generate_set(52, seed=5, workers=1)
    save_npz(LetterSet(s["x"], s["y"], source="synthetic"), tmp_path / "letters.npz")
    r = run_cli("evaluate", "--data", str(tmp_path / "letters.npz"), "--json")
    assert r.returncode == 0, r.stderr
    assert "shipped model" in r.stderr and str(DEFAULT_MODEL) in r.stderr
    result = json.loads(r.stdout)  # stdout stays one JSON object
    assert result["n"] == 52 and result["accuracy"] > 0.7
