import sys
import threading

import numpy as np
import pytest

from cnn import parallel, procshare
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model
from cnn.optim import SGD
from cnn.train import forward_backward


def _batch(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28)), rng.integers(0, 26, n)


def test_a_batch_shared_between_threads_gives_the_one_thread_result(monkeypatch):
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    x, y = _batch(41)  # shares of 13, 14 and 14 samples
    for smoothing in (0.0, 0.2):  # every share's loss smooths like the caller's
        monkeypatch.setattr(parallel, "shares", lambda n, limit=None: 1)
        loss1, acc1, g1 = forward_backward(model, x, y, SoftmaxCrossEntropy(smoothing), chunk=8)
        g1 = {k: v.copy() for k, v in g1.items()}
        monkeypatch.setattr(parallel, "shares", lambda n, limit=None: 3)
        loss3, acc3, g3 = forward_backward(model, x, y, SoftmaxCrossEntropy(smoothing), chunk=8)
        assert len(parallel._replicas[model]) == 2
        assert loss3 == pytest.approx(loss1, rel=1e-12) and acc3 == pytest.approx(acc1)
        for name, g in g1.items():
            np.testing.assert_allclose(g3[name], g, rtol=1e-10, atol=1e-13, err_msg=name)


def test_replicas_follow_the_weights_in_place_and_a_new_dtype():
    model = build_model("small", np.random.default_rng(0))
    (rep,) = parallel.replicas(model, 1)
    x, y = _batch(4)
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x.astype(np.float32)), y)
    model.backward(loss.backward())
    SGD(lr=0.5).step(model.parameters(), model.gradients())  # updates in place
    np.testing.assert_array_equal(rep.forward(x.astype(np.float32)),
                                  model.forward(x.astype(np.float32)))
    model.astype(np.float64)
    (rep2,) = parallel.replicas(model, 1)
    assert rep2.forward(x).dtype == np.float64
    np.testing.assert_array_equal(rep2.forward(x), model.forward(x))


def test_an_error_or_numpy_errstate_holds_in_every_share(monkeypatch):
    monkeypatch.setattr(parallel, "shares", lambda n, limit=None: min(2, limit or 2))
    model = build_model("small", np.random.default_rng(0))
    x, y = _batch(32)
    x = x.astype(np.float32)
    bad = y.copy()
    bad[-1] = 26  # in the second share, which runs in the other thread
    with pytest.raises(ValueError, match="26"):
        forward_backward(model, x, bad, SoftmaxCrossEntropy())
    x[16:] = 3e38  # the second share overflows
    with np.errstate(over="raise", invalid="raise"), pytest.raises(FloatingPointError):
        forward_backward(model, x, y, SoftmaxCrossEntropy())


def test_small_batches_stay_in_one_thread_and_large_use_at_most_the_cores():
    assert parallel.shares(1) == 1 and parallel.shares(2 * parallel.MIN_SHARE - 1) == 1
    assert 1 <= parallel.shares(10**6) <= min(parallel.cores(), parallel.MAX_THREADS)
    assert parallel.shares(10**6, limit=1) == 1


def test_fit_keeps_to_one_thread_when_asked(monkeypatch):
    from cnn.train import fit

    monkeypatch.setattr(procshare, "suits", lambda model, k: False)  # threads only, here
    calls = []
    real_run = parallel.run
    monkeypatch.setattr(parallel, "shares", lambda n, limit=None: min(2, limit or 2))
    monkeypatch.setattr(parallel, "run", lambda tasks: calls.append(len(tasks)) or real_run(tasks))
    x, y = _batch(64)
    for threads, expected in ((1, []), (None, [2, 2])):
        calls.clear()
        model = build_model("small", np.random.default_rng(0))
        list(fit(model, x[:, 0].astype(np.float32), y, epochs=1, batch_size=32,
                 threads=threads))
        assert calls == expected
    # Asked before every batch: two shares, then one (a person started drawing), then two.
    wanted = iter([None, 1, None])
    calls.clear()
    model = build_model("small", np.random.default_rng(0))
    x3, y3 = _batch(96)
    list(fit(model, x3[:, 0].astype(np.float32), y3, epochs=1, batch_size=32,
             threads=lambda: next(wanted)))
    assert calls == [2, 2]  # the second batch ran in this thread alone


def test_one_thread_asked_for_keeps_the_matrix_products_to_one_core(monkeypatch):
    from cnn import blas, train

    seen = []
    real = train._chunked
    monkeypatch.setattr(train, "_chunked", lambda *a, **k: seen.append(blas.threads())
                        or real(*a, **k))
    x, y = _batch(64)
    model = build_model("small", np.random.default_rng(0))
    before = blas.threads()
    train.forward_backward(model, x.astype(np.float32), y, SoftmaxCrossEntropy(), threads=1)
    assert seen == [1] and blas.threads() == before  # and the limit is lifted after


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_shares_run_no_higher_than_the_thread_that_asks():
    before = parallel.thread_niceness()  # the tests themselves may run niced
    if before >= 19:
        pytest.skip("this process is already as nice as a thread can be")
    wanted = min(before + 5, 19)
    seen = []

    def ask():
        parallel.lower_thread_priority(wanted)
        seen.append(parallel.run([parallel.thread_niceness] * 3))

    t = threading.Thread(target=ask)
    t.start()
    t.join()
    assert all(n >= wanted for n in seen[0])
    assert parallel.thread_niceness() == before  # the thread that did not ask is left alone
