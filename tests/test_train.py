import numpy as np
import pytest

from cnn.model import build_model
from cnn.optim import SGD, Adam
from cnn.train import CHUNK_BYTES, TrainingDiverged, auto_chunk, evaluate, fit


def _blobs(n=260, seed=0):
    """A learnable toy set: class k is a bright square at a class-specific place."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 26, n)
    x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    for i, k in enumerate(y):
        r, c = 2 + (k // 6) * 5, 2 + (k % 6) * 4
        x[i, r:r + 4, c:c + 4] = 255
    return x, y


def test_fit_yields_progress_and_learns():
    x, y = _blobs()
    model = build_model("small", np.random.default_rng(0))
    items = list(fit(model, x[:200], y[:200], val=(x[200:], y[200:]), epochs=3, batch_size=32,
                     optimizer=Adam(lr=3e-3), rng=np.random.default_rng(1)))
    steps = [i for i in items if i.kind == "step"]
    epochs = [i for i in items if i.kind == "epoch"]
    assert len(steps) == 3 * 6 and len(epochs) == 3  # 200 letters: six batches of 33-34
    assert steps[0].steps_per_epoch == 6 and steps[-1].global_step == 18
    assert all(s.samples_per_s > 0 and s.eta_s >= 0 for s in steps)
    assert epochs[-1].val["confusion"].shape == (26, 26)
    assert epochs[-1].val_accuracy > 0.8
    assert epochs[-1].loss < epochs[0].loss



@pytest.mark.parametrize("n, batch, sizes", [(2564, 64, {64, 65}), (200, 32, {33, 34}),
                                             (95, 64, {95}), (96, 64, {48}), (7, 64, {7})])
def test_an_epoch_is_cut_into_even_batches_never_a_tiny_last_one(monkeypatch, n, batch, sizes):
    import cnn.train

    seen, real = [], cnn.train.forward_backward
    monkeypatch.setattr(cnn.train, "forward_backward",
                        lambda model, x, y, *a: seen.append(len(x)) or real(model, x, y, *a))
    x, y = _blobs(n)
    model = build_model("small", np.random.default_rng(0))
    items = list(fit(model, x, y, epochs=2, batch_size=batch, optimizer=SGD(lr=0.01)))
    assert set(seen) == sizes and sum(seen) == 2 * n  # every letter once an epoch
    assert items[-2].steps_per_epoch == len(seen) // 2 == max(1, round(n / batch))

def test_same_seed_same_run_and_cancel_by_not_pulling():
    x, y = _blobs(100)
    runs = []
    for _ in range(2):
        model = build_model("small", np.random.default_rng(0))
        gen = fit(model, x, y, epochs=2, batch_size=16, optimizer=SGD(lr=0.05, momentum=0.9),
                  rng=np.random.default_rng(5))
        losses = [next(gen).loss for _ in range(4)]
        gen.close()  # cancelled after 4 of 14 steps
        runs.append((losses, model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for k in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][k], runs[1][1][k])


def test_chunked_large_batch_gives_the_same_gradient():
    x, y = _blobs(96)
    a = build_model("small", np.random.default_rng(0), dtype=np.float64)
    b = a.copy()
    next(fit(a, x, y, epochs=1, batch_size=96, chunk=96, optimizer=SGD(lr=0.1),
             rng=np.random.default_rng(0)))
    next(fit(b, x, y, epochs=1, batch_size=96, chunk=32, optimizer=SGD(lr=0.1),
             rng=np.random.default_rng(0)))
    for k, v in a.state_dict().items():
        np.testing.assert_allclose(b.state_dict()[k], v, atol=1e-12)


def test_auto_chunk_keeps_the_largest_layer_output_near_its_budget():
    for preset, want in (("small", 128), ("default", 64), ("large", 32)):
        model = build_model(preset, np.random.default_rng(0))
        chunk = auto_chunk(model)
        assert chunk == want
        first_maps = chunk * int(np.prod(model.output_shapes()["conv1"])) * 4
        assert first_maps <= CHUNK_BYTES
    # float64 halves the samples that fit
    assert auto_chunk(build_model("default", np.random.default_rng(0), dtype=np.float64)) == 32


def test_divergence_stops_with_the_last_good_weights():
    x, y = _blobs(64)
    model = build_model("small", np.random.default_rng(0))
    before = model.state_dict()
    gen = fit(model, x, y, epochs=50, batch_size=32, optimizer=SGD(lr=1e6),
              rng=np.random.default_rng(0))
    with pytest.raises(TrainingDiverged, match="learning rate too high") as info:
        for _ in gen:
            pass
    good = info.value.last_good_state
    assert set(good) == set(before)
    assert all(np.isfinite(v).all() for v in good.values())
    probe = build_model("small")
    probe.load_state_dict(good)  # usable as is: the weights still give finite scores
    assert np.isfinite(probe.forward(x[:8].astype(np.float32)[:, None] / 255)).all()


def test_evaluate_confusion_and_per_class():
    x, y = _blobs(80)
    model = build_model("small", np.random.default_rng(0))
    r = evaluate(model, x, y, return_probs=True)
    assert r["n"] == 80 and r["confusion"].sum() == 80
    assert np.trace(r["confusion"]) == round(r["accuracy"] * 80)
    present = set(y.tolist())
    assert all((a is None) == (i not in present) for i, a in enumerate(r["per_class"]))
    assert r["probs"].shape == (80, 26)
    np.testing.assert_allclose(r["probs"].sum(1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="outside"):
        evaluate(model, x[:2], np.array([0, 30]))
