"""The model that ships in assets/: loads, is small, and reads synthetic letters of every class."""

import numpy as np
import pytest

from cnn import checkpoint
from cnn.paths import DEFAULT_MODEL
from cnn.preprocess import PREPROCESS_VERSION
from cnn.synthetic import generate_set
from cnn.train import evaluate


@pytest.fixture(scope="module")
def shipped():
    return checkpoint.load(DEFAULT_MODEL)


def test_shipped_model_is_small_and_describes_itself(shipped):
    model, meta = shipped
    assert DEFAULT_MODEL.stat().st_size < 5 * 2**20
    assert meta["preprocess_version"] == PREPROCESS_VERSION
    assert meta["classes"] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert meta["val_accuracy"] > 0.9
    assert len(meta["history"]) == meta["training"]["epochs"]
    assert model.output_shapes()[model.layers[-1][0]] == (26,)


def test_shipped_model_reads_synthetic_letters_of_each_class(shipped):
    model, _ = shipped
    # A seed the shipped model never trained on; 4 upper- and 4 lower-case letters per class.
    letters = generate_set(26 * 8, seed=9001, workers=1)
    r = evaluate(model, letters["x"], letters["y"])
    assert r["accuracy"] > 0.85
    per_class = np.array(r["per_class"])
    assert (per_class >= 0.5).all(), dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", per_class, strict=True))
