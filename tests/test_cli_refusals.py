"""`python -m cnn`: every refusal is one `error:` line and exit code 2, checked before training;
a model that trained is never lost to a failed write; an empty letter set is refused."""

import errno
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from cnn import checkpoint, cli
from cnn.data import DataError, LetterSet, require_letters, save_npz
from cnn.model import build_model
from cnn.paths import DEFAULT_MODEL
from cnn.train import evaluate
from tests.test_train import _blobs

SMALL = ["--arch", "small", "--epochs", "1", "--batch-size", "64"]


@pytest.fixture
def files(tmp_path):
    x, y = _blobs(60)
    save_npz(LetterSet(x, y, writer=np.arange(60) % 6, source="blobs"), tmp_path / "blobs.npz")
    save_npz(LetterSet(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)),
             tmp_path / "empty.npz")
    checkpoint.save(build_model("small", np.random.default_rng(0)), tmp_path / "model.npz")
    (tmp_path / "junk.npz").write_text("junk")
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    (tmp_path / "broken.json").write_text('[{"type": "conv2d",')
    (tmp_path / "words.json").write_text('[{"type": "linear", "out_features": "many"}]')
    (tmp_path / "huge.json").write_text('[{"type": "flatten"}, {"type": "linear", '
                                        '"out_features": 1000000000}]')
    (tmp_path / "dir.json").mkdir()
    return tmp_path


def _refused(capsys, argv) -> str:
    """Run the CLI in this process; it must refuse with code 2 and one `error:` line."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own refusals
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    return errors[0]


def test_arch_files_that_are_not_specs_are_clear_argparse_errors(files, capsys):
    out = files / "m.npz"
    for name, message in [("deep.json", "nested too deeply"), ("broken.json", "not valid JSON"),
                          ("words.json", r"'spec\[1\].out_features' should be a whole number"),
                          ("huge.json", "more than 32,000,000 parameters"),
                          ("dir.json", "folder"), ("absent.json", "no such file")]:
        line = _refused(capsys, ["train", "--synthetic", "26", "--arch", files / name,
                                 "--out", out])
        assert "argument --arch" in line and name in line
        assert re.search(message, line), line


def test_every_command_refuses_bad_files_in_one_line(files, capsys):
    out = files / "m.npz"
    cases = [
        (["evaluate", "--model", files / "junk.npz", "--data", files / "blobs.npz"],
         "not a readable model file"),
        (["evaluate", "--model", files / "folder.npz", "--data", files / "blobs.npz"], "folder"),
        (["evaluate", "--model", "/dev/null", "--data", files / "blobs.npz"], "device"),
        (["evaluate", "--model", files / "model.npz", "--data", files / "folder.npz"], "folder"),
        (["evaluate", "--model", files / "model.npz", "--data", files / "absent.npz"],
         "no such file"),
        (["train", "--data", files / "junk.npz", *SMALL, "--out", out], "not an .npz"),
        (["train", "--data", files / "blobs.npz", "--val-data", files / "folder.npz", *SMALL,
          "--out", out], "folder"),
        (["train", "--emnist", files / "junk.npz", *SMALL, "--out", out],
         "cannot tell the labels file"),
        (["train", "--data", files / "blobs.npz", "--from", files / "junk.npz", *SMALL,
          "--out", out], "not a readable model file"),
        (["train", "--data", files / "blobs.npz", "--epochs", "0", "--out", out],
         "at least 1"),
        (["folds", "--data", files / "junk.npz", "--out", files / "folds"], "not an .npz"),
        (["folds", "--data", files / "blobs.npz", "--out", files / "junk.npz"],
         "is a file; give a folder"),
        (["folds", "--data", files / "blobs.npz", "--k", "1", "--out", files / "f"],
         "at least 2"),
        (["bench", "--rounds", "0"], "at least 1"),
    ]
    for argv, message in cases:
        line = _refused(capsys, argv)
        assert message in line, (argv, line)
    assert not out.exists()


def test_a_traceback_never_reaches_the_terminal(files):
    r = subprocess.run([sys.executable, "-m", "cnn", "train", "--arch", str(files / "deep.json"),
                        "--synthetic", "26", "--out", str(files / "m.npz")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "nested too deeply" in r.stderr


def test_an_empty_letter_set_is_refused_everywhere(files, capsys):
    line = _refused(capsys, ["evaluate", "--model", files / "model.npz", "--data",
                             files / "empty.npz"])
    assert line == f"error: {files / 'empty.npz'} holds no letters; choose a file with at least one"
    line = _refused(capsys, ["train", "--data", files / "empty.npz", *SMALL, "--out",
                             files / "m.npz"])
    assert "empty.npz holds no letters" in line
    line = _refused(capsys, ["train", "--data", files / "blobs.npz", "--val-data",
                             files / "empty.npz", *SMALL, "--out", files / "m.npz"])
    assert "empty.npz holds no letters" in line
    line = _refused(capsys, ["folds", "--data", files / "empty.npz", "--out", files / "f"])
    assert "empty.npz holds no letters" in line
    model = build_model("small", np.random.default_rng(0))
    with pytest.raises(ValueError, match="no letters to evaluate"):
        evaluate(model, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    with pytest.raises(DataError, match="^empty.npz holds no letters"):
        require_letters(LetterSet(np.zeros((0, 28, 28)), np.zeros(0)), "empty.npz")


def test_the_output_path_is_checked_before_training(files, capsys):
    data = ["--data", files / "blobs.npz", *SMALL]
    line = _refused(capsys, ["train", *data, "--out", files / "folder.npz"])
    assert "is a folder; give a file name such as" in line
    line = _refused(capsys, ["train", *data, "--out", DEFAULT_MODEL])
    assert "model shipped with LetterLens" in line
    line = _refused(capsys, ["train", *data, "--out", files / "junk.npz" / "m.npz"])
    assert f"cannot write {files / 'junk.npz' / 'm.npz'}: {files / 'junk.npz'} is a file, " \
           "not a folder" in line  # not 'File exists'
    if hasattr(os, "mkfifo"):
        os.mkfifo(files / "pipe.npz")
        line = _refused(capsys, ["train", *data, "--out", files / "pipe.npz"])
        assert "not a regular file" in line
    if os.name == "posix" and os.geteuid() != 0:  # root writes anywhere
        locked = files / "locked"
        locked.mkdir(mode=0o500)
        line = _refused(capsys, ["train", *data, "--out", locked / "m.npz"])
        assert "cannot write" in line
    # A folder that does not exist yet is made, and training goes ahead.
    assert cli.main(["train", *map(str, data), "--out", str(files / "new" / "m.npz")]) == 0
    assert checkpoint.load(files / "new" / "m.npz")[0].num_parameters() > 0


def test_a_full_disk_at_the_end_keeps_the_trained_model_and_says_where(files, capsys,
                                                                     monkeypatch):
    out = files / "m.npz"
    real = checkpoint.atomic_write

    def full_disk_for(*paths):
        def write(path, fn):
            if any(str(path).startswith(str(p)) for p in paths):
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            return real(path, fn)
        return write

    argv = ["train", "--data", str(files / "blobs.npz"), *SMALL, "--out", str(out)]
    monkeypatch.setattr(checkpoint, "atomic_write", full_disk_for(out))
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    rescued = [p for p in files.glob("m-rescued-*.npz")]
    assert len(rescued) == 1 and not out.exists()
    assert f"could not write {out} (No space left on device); the trained model is kept in " \
           f"{rescued[0]}" in err
    assert checkpoint.load(rescued[0])[1]["train_n"] > 0
    # The whole disk is full: the user data folder (on another disk) takes it.
    rescued[0].unlink()
    monkeypatch.setattr(checkpoint, "atomic_write", full_disk_for(files / "m"))
    assert cli.main(argv) == 1
    kept = list((files / "data" / "rescued").glob("m-*.npz"))
    assert len(kept) == 1 and str(kept[0]) in capsys.readouterr().err
    assert checkpoint.load(kept[0])[0].num_parameters() > 0


def test_a_diverged_run_keeps_its_last_good_weights_beside_the_output(files, capsys,
                                                                      monkeypatch):
    from cnn import cli_train
    from cnn.train import TrainingDiverged

    good = {}

    def diverge(setup, history):
        good.update({k: v + 1 for k, v in setup.model.state_dict().items()})  # "trained"
        raise TrainingDiverged("the loss became NaN", good, epoch=2, step=5)

    monkeypatch.setattr(cli_train, "_fit", diverge)
    out = files / "m.npz"
    argv = ["train", "--data", str(files / "blobs.npz"), *SMALL, "--out", str(out)]
    assert cli.main(argv) == 1
    kept = files / "m-before-divergence.npz"
    assert kept.exists() and not out.exists()  # never over --out
    err = capsys.readouterr().err
    assert "the loss became NaN" in err and f"saved {kept}" in err and "lower --lr" in err
    model, meta = checkpoint.load(kept)
    for k, v in good.items():
        np.testing.assert_array_equal(model.state_dict()[k], v)
    assert meta["train_n"] > 0


def test_no_command_writes_over_a_file_it_reads(files, capsys):
    blobs, model = files / "blobs.npz", files / "model.npz"
    before = {p: p.read_bytes() for p in (blobs, model)}
    cases = [
        (["train", "--data", blobs, *SMALL, "--out", blobs], "--out", "--data"),
        (["train", "--data", blobs, *SMALL, "--save-val", blobs, "--out", files / "m.npz"],
         "--save-val", "--data"),
        (["train", "--data", blobs, "--from", model, *SMALL, "--out", model], "--out", "--from"),
        (["train", "--data", blobs, *SMALL, "--save-val", files / "m.npz", "--out",
          files / "m.npz"], "--save-val", "--out"),
        (["clean", "--model", model, "--data", blobs, "--out", blobs], "--out", "--data"),
        (["clean", "--model", model, "--data", blobs, "--out", model], "--out", "--model"),
        (["clean", "--model", model, "--data", blobs, "--out", DEFAULT_MODEL], "--out",
         "the shipped model"),
        (["calibrate", "--model", model, "--data", blobs, "--out", blobs], "--out", "--data"),
        (["export", "--model", model, "--onnx", model], "--onnx", "--model"),
    ]
    for argv, out_flag, input_name in cases:
        line = _refused(capsys, argv)
        assert line.startswith(f"error: {out_flag} ") and input_name in line, line
    assert {p: p.read_bytes() for p in (blobs, model)} == before
    assert not (files / "m.npz").exists()


def test_training_flags_out_of_range_are_refused_before_training(files, capsys, monkeypatch):
    from cnn import cli_train

    def never(*_):
        raise AssertionError("trained with a flag that should have been refused")

    monkeypatch.setattr(cli_train, "prepare", never)
    data = ["--data", files / "blobs.npz", *SMALL, "--out", files / "m.npz"]
    for flag, value in [("--init", "-1"), ("--init", "nan"), ("--init", "11"),
                        ("--lr-decay", "nan"), ("--lr-decay", "0"), ("--lr-decay", "-0.5"),
                        ("--momentum", "nan"), ("--momentum", "1")]:
        line = _refused(capsys, ["train", *data, flag, value])
        assert f"error: {flag} must be" in line, line
    line = _refused(capsys, ["train", *data, "--save-val", files / "junk.npz" / "v.npz"])
    assert "cannot write" in line


def test_ctrl_c_before_or_outside_training_is_one_line_and_code_130(files, capsys,
                                                                   monkeypatch):
    from cnn import cli_train

    def ctrl_c(*_, **__):
        raise KeyboardInterrupt

    out = files / "model.npz"
    before = out.read_bytes()
    monkeypatch.setattr(cli_train, "prepare", ctrl_c)  # while synthetic letters are drawn
    monkeypatch.setattr(cli, "evaluate", ctrl_c)
    for argv in (["train", "--synthetic", "26", *SMALL, "--out", out],
                 ["evaluate", "--model", out, "--data", files / "blobs.npz"]):
        try:
            code = cli.main([str(a) for a in argv])
        except KeyboardInterrupt:
            pytest.fail(f"Ctrl+C in {argv[0]} reached the terminal as a traceback")
        err = capsys.readouterr().err
        assert code == 130 and err.strip().splitlines()[-1].startswith("interrupted"), err
        assert "Traceback" not in err
    assert out.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="a pipe whose reader leaves: POSIX")
def test_a_reader_that_stops_reading_stops_the_command_quietly(files):
    """`python -m cnn folds … | head -1` said 'error: [Errno 32] Broken pipe' and exited 2, as
    if the command had failed; a tool whose reader left stops quietly."""
    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "cnn", "folds", "--data",
                             str(files / "blobs.npz"), "--k", "3", "--out", str(files / "k")],
                            stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    with os.fdopen(read) as reader:
        assert reader.readline().startswith("fold 1:")  # then the reader leaves, as head does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 141)  # done before it noticed, or stopped by it
    assert "Broken pipe" not in err and "Traceback" not in err
