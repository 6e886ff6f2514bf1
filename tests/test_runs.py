"""cnn.runs: one set-up for `python -m cnn train` and the Train tab (letters, split, model,
optimiser, metadata), the same for the same settings wherever the run starts."""

import numpy as np
import pytest

from cnn.cli import build_parser
from cnn.cli_train import config_from_args
from cnn.data import DataError, LetterSet, save_npz
from cnn.runs.config import RunConfig
from cnn.runs.meta import run_meta
from cnn.runs.setup import prepare
from cnn.runs.sources import Cancelled, load_sources
from cnn.samples import SampleStore
from tests.test_gui_training import blobs, make_tab


@pytest.fixture
def blob_file(tmp_path):
    return str(save_npz(blobs(), tmp_path / "blobs.npz"))


def _cli(*argv) -> RunConfig:
    return config_from_args(build_parser().parse_args(["train", *map(str, argv)]))


def _same_setup(a, b) -> None:
    """Two set-ups that would train the same weights: letters, first weights, optimiser."""
    for part in ("train", "val"):
        sa, sb = getattr(a.data, part), getattr(b.data, part)
        np.testing.assert_array_equal(sa.x, sb.x)
        np.testing.assert_array_equal(sa.y, sb.y)
    for k, v in a.model.state_dict().items():
        np.testing.assert_array_equal(v, b.model.state_dict()[k])
    assert repr(a.optimizer) == repr(b.optimizer)
    assert a.data.summary() == b.data.summary()
    assert a.rng.random() == b.rng.random()  # fit's shuffles go on alike


def test_the_cli_flags_and_the_form_give_the_same_run(qtbot, blob_file):
    cli = _cli("--data", blob_file, "--arch", "small", "--epochs", "2", "--batch-size", "32",
               "--lr", "0.003", "--val-fraction", "0.25", "--seed", "4", "--name", "tiny",
               "--out", "tiny.npz")
    tab = make_tab(qtbot)
    tab.setup.set_config(RunConfig(synthetic=0, my_samples=False, files=[blob_file],
                                   arch="small", epochs=2, batch_size=32, lr=0.003,
                                   augment=False, val_fraction=0.25, seed=4, name="tiny"))
    form = tab.setup.config()
    assert form.training_meta() == cli.training_meta()
    _same_setup(prepare(cli), prepare(form))
    assert run_meta(cli, data=prepare(cli).data.summary()) == run_meta(
        form, data=prepare(form).data.summary())


def test_the_tabs_run_loads_what_the_cli_would(qtbot, blob_file):
    cli = _cli("--data", blob_file, "--arch", "small", "--epochs", "1", "--val-fraction",
               "0.25", "--out", "x.npz")
    tab = make_tab(qtbot)
    tab.setup.set_config(RunConfig(synthetic=0, my_samples=False, files=[blob_file],
                                   arch="small", epochs=1, augment=False, val_fraction=0.25))
    with qtbot.waitSignal(tab.controller.run_finished, timeout=30_000):
        assert tab.start()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)  # its thread has ended too
    info = tab.controller.data_info
    expected = prepare(cli).data
    assert info["summary"] == expected.summary()
    np.testing.assert_array_equal(info["val_x"], expected.val.x)


def test_validation_is_handwriting_while_synthetic_letters_only_train(blob_file):
    setup = prepare(RunConfig(synthetic=52, my_samples=False, files=[blob_file], arch="small",
                              val_fraction=0.25))
    assert setup.data.sources.counts() == [("synthetic", 52), ("blobs", 390)]
    # Whole blob writers (13 of 30 letters each) are held out; all 52 synthetic letters train.
    assert len(setup.data.val) % 30 == 0 and 0 < len(setup.data.val) < 390
    assert len(setup.data.train) == 52 + 390 - len(setup.data.val)
    assert "writer-disjoint" in setup.data.validation


def test_one_writer_of_handwriting_leaves_synthetic_letters_to_validate(tmp_path):
    store = SampleStore(tmp_path / "mine")
    for i in range(12):
        store.add(blobs(26).x[i % 26], i % 26)
    setup = prepare(RunConfig(synthetic=104, samples_folder=str(tmp_path / "mine"),
                              arch="small", val_fraction=0.25))
    assert len(setup.data.val) > 0 and len(setup.data.train) + len(setup.data.val) == 116
    assert "synthetic" in setup.data.validation


def _small_file(tmp_path, n=52) -> str:
    """A small letter file without writers, as an EMNIST-style idx file reads."""
    s = blobs(n, seed=5)
    return str(save_npz(LetterSet(s.x, s.y, source="small"), tmp_path / "small.npz"))


def test_a_small_file_does_not_shrink_validation_to_a_handful(tmp_path):
    # A 52-letter file alone held out 5 letters, and synthetic letters stopped validating.
    setup = prepare(RunConfig(synthetic=520, my_samples=False, files=[_small_file(tmp_path)],
                              arch="small", val_fraction=0.1))
    val, train = setup.data.val, setup.data.train
    assert len(val) >= 50 and len(train) + len(val) == 52 + 520
    assert np.count_nonzero(val.writer < 0) == 5  # the file's letters have no writer
    assert "5 handwritten letters" in setup.data.validation
    assert f"{len(val) - 5} synthetic letters" in setup.data.validation
    assert "says little" not in setup.data.validation


def test_a_validation_set_too_small_to_mean_anything_says_so(tmp_path):
    setup = prepare(RunConfig(synthetic=0, my_samples=False, files=[_small_file(tmp_path)],
                              arch="small", val_fraction=0.1))
    assert len(setup.data.val) == 5
    assert setup.data.validation.endswith(
        "; validating on only 5 letters: its accuracy says little")
    assert setup.data.summary()["validation"] == setup.data.validation  # the checkpoint's


def test_validation_files_are_never_trained_on(tmp_path, blob_file):
    held = str(save_npz(blobs(104, seed=3), tmp_path / "held.npz"))
    setup = prepare(RunConfig(synthetic=0, my_samples=False, files=[blob_file, held],
                              val_files=[held], arch="small"))
    assert (len(setup.data.train), len(setup.data.val)) == (390, 104)
    assert setup.data.validation == f"the files {held}"


def test_repeats_and_nothing_to_train_on(blob_file, tmp_path):
    setup = prepare(RunConfig(synthetic=0, my_samples=False, files=[blob_file], arch="small",
                              repeat_real=3, val_fraction=0.0))
    assert len(setup.data.train) == 3 * 390 and not len(setup.data.val)
    with pytest.raises(DataError, match="no training data"):
        load_sources(RunConfig(synthetic=0, my_samples=False))
    empty = save_npz(LetterSet(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)),
                     tmp_path / "empty.npz")
    with pytest.raises(DataError, match="empty.npz holds no letters"):
        load_sources(RunConfig(synthetic=0, my_samples=False, files=[str(empty)]))
    with pytest.raises(Cancelled):
        load_sources(RunConfig(synthetic=0, my_samples=False, files=[blob_file]),
                     cancelled=lambda: True)


def test_one_seed_one_run_and_the_learning_rate_decays(blob_file):
    c = RunConfig(synthetic=0, my_samples=False, files=[blob_file], arch="small", epochs=2,
                  batch_size=64, lr=0.01, lr_decay=0.5, augment=True, degrade=0.3)
    a, b = prepare(c), prepare(c)
    _same_setup(a, b)
    entries = [a.end_epoch(item, 1.0) for item in a.batches() if item.kind == "epoch"]
    assert [e["lr"] for e in entries] == [0.01, 0.005] and a.optimizer.lr == 0.0025
    assert [e["epoch"] for e in entries] == [1, 2]


def test_metadata_of_a_fine_tuned_model_keeps_its_preset_and_is_validated_again():
    base = {"arch": "large", "name": "old", "changed_since_validation": "taught",
            "taught_drawings": 2}
    c = RunConfig(from_current=True, arch="default", name="new")
    meta = run_meta(c, base, {"train_n": 9, "val_n": 3, "validation": "x", "data": {"a": 12}},
                    {"accuracy": 0.5, "per_class": [None] * 26})
    assert meta["arch"] == "large" and meta["name"] == "new" and meta["taught_drawings"] == 2
    assert meta["training"]["fine_tuned"] and meta["val_accuracy"] == 0.5
    assert "changed_since_validation" not in meta and meta["train_n"] == 9
    assert run_meta(RunConfig(arch=[{"type": "flatten"}]))["arch"] == "custom"


def test_a_fine_tuned_model_keeps_the_spread_its_weights_were_drawn_with():
    """Fine-tuning starts from the model's weights: the form's init σ drew none of them, and
    the Initialisation page and the layer guide read the spread from this record."""
    base = {"training": {"init_std": 0.05}}
    fine = run_meta(RunConfig(from_current=True, init_std=0.2), base)
    assert fine["training"]["init_std"] == 0.05 and base["training"]["init_std"] == 0.05
    assert run_meta(RunConfig(from_current=True, init_std=0.2), {})["training"]["init_std"] is None
    assert run_meta(RunConfig(init_std=0.2), base)["training"]["init_std"] == 0.2  # new weights


def test_every_train_option_says_what_it_does_and_its_default(capsys):
    """`train --help` listed --epochs, --batch-size, --seed, --momentum, --optimizer and
    --synthetic-seed bare: a person had to read the code for their defaults."""
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    text = text[text.index("options:"):]  # the options' own lines, past the usage line
    for option, said in (("--epochs EPOCHS", "(default 10)"), ("--batch-size", "(default 64)"),
                         ("--seed SEED", "(default 0)"), ("--momentum", "Adam ignores it"),
                         ("--optimizer", "(default adam)"), ("--synthetic-seed", "(default 0)"),
                         ("--weight-decay", "(default 0)")):
        after = text[text.index(option):]
        assert said in after[:200], option
