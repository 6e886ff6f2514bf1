import gc
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from cnn import parallel, procshare, train
from cnn.losses import SoftmaxCrossEntropy
from cnn.model import build_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def worker(monkeypatch):
    """A fresh worker for this test alone, stopped after it; every batch of two shares goes to
    it whatever the preset."""
    procshare.shutdown()
    monkeypatch.setattr(procshare, "_failed", False)
    monkeypatch.setattr(procshare, "MAX_WORK", 10**12)
    monkeypatch.setattr(parallel, "shares", lambda n, limit=None: min(2, limit or 2))
    yield
    procshare.shutdown()


def _batch(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28)), rng.integers(0, 26, n)


def _on_threads(model, x, y, loss_fn, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(procshare, "suits", lambda model, k: False)
        loss, acc, grads = train.forward_backward(model, x, y, loss_fn, chunk=8)
    return loss, acc, {k: g.copy() for k, g in grads.items()}


def _gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except FileNotFoundError:
        return True


def _wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_batch_shared_with_the_worker_gives_the_thread_result(worker, monkeypatch):
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    x, y = _batch(41)  # shares of 20 and 21 letters, in chunks of 8
    for smoothing in (0.0, 0.2):  # the worker's loss smooths like the caller's
        expected = _on_threads(model, x, y, SoftmaxCrossEntropy(smoothing), monkeypatch)
        with monkeypatch.context() as m:
            m.setattr(parallel, "run", lambda tasks: pytest.fail("ran on threads"))
            loss, acc, grads = train.forward_backward(model, x, y,
                                                      SoftmaxCrossEntropy(smoothing), chunk=8)
        assert loss == pytest.approx(expected[0], rel=1e-12)
        assert acc == pytest.approx(expected[1])
        for name, g in expected[2].items():
            np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)
        model.parameters()["fc2.bias"] += 0.5  # in place, as the optimizers update


def test_one_worker_follows_the_models_and_batch_sizes_it_is_given(worker, monkeypatch):
    monkeypatch.setattr(procshare, "BUSY", 0.0)  # each model may take the worker over at once
    models = [build_model(p, np.random.default_rng(1)) for p in ("small", "small", "default")]
    assert procshare.start(models[0])
    pid, blocks = procshare.worker_pid(), []
    for i, n in ((0, 64), (0, 65), (0, 64), (1, 65), (0, 200), (2, 36), (0, 36)):
        x, y = _batch(n, seed=n)
        x = x.astype(np.float32)
        expected = _on_threads(models[i], x, y, SoftmaxCrossEntropy(), monkeypatch)
        loss, _, grads = procshare.forward_backward(models[i], x, y, SoftmaxCrossEntropy(), 8,
                                                    train._chunked)
        assert loss == pytest.approx(expected[0], rel=1e-5)
        for name, g in expected[2].items():
            np.testing.assert_allclose(grads[name], g, rtol=1e-4, atol=1e-6, err_msg=name)
        blocks.append(procshare._worker.block)
    assert procshare.worker_pid() == pid  # set up again, never started again
    # A block for 33 letters keeps the next 32 (fit's batches of 65 and 64); another model or
    # 100 letters get a new one.
    assert blocks[1] is blocks[2] and blocks[3] is not blocks[2]
    assert blocks[4].key[1] >= 100 and len({id(b) for b in blocks[4:]}) == 3


def test_two_trainings_taking_turns_leave_the_worker_to_the_first(worker, monkeypatch):
    first, second = (build_model("small", np.random.default_rng(i)) for i in (1, 2))
    assert procshare.start(first)
    x, y = _batch(32)
    x = x.astype(np.float32)
    step = [first, x, y, SoftmaxCrossEntropy(), 8, train._chunked]
    assert procshare.forward_backward(*step) is not None
    block = procshare._worker.block
    for _ in range(3):  # the second trains on threads: the worker is not set up again
        assert procshare.forward_backward(second, *step[1:]) is None
        assert procshare.forward_backward(*step) is not None
    assert procshare._worker.block is block
    monkeypatch.setattr(procshare, "BUSY", 0.05)
    time.sleep(0.1)  # the first has stopped: the second takes the worker over
    assert procshare.forward_backward(second, *step[1:]) is not None


def test_a_step_interrupted_while_it_waits_leaves_the_next_ones_right(worker, monkeypatch):
    """Ctrl-C while the worker's reply is on its way: the next step must not read that reply
    (and gradients) as its own."""
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    real = procshare._Worker.receive

    def interrupted(self, timeout):
        monkeypatch.setattr(procshare._Worker, "receive", real)
        raise KeyboardInterrupt

    monkeypatch.setattr(procshare._Worker, "receive", interrupted)
    x, y = _batch(40)
    with pytest.raises(KeyboardInterrupt):
        train.forward_backward(model, x, y, SoftmaxCrossEntropy(), chunk=8)
    for seed in (1, 2, 3):
        x, y = _batch(40, seed=seed)
        expected = _on_threads(model, x, y, SoftmaxCrossEntropy(), monkeypatch)
        with monkeypatch.context() as m:
            m.setattr(parallel, "run", lambda tasks: pytest.fail("ran on threads"))
            loss, _, grads = train.forward_backward(model, x, y, SoftmaxCrossEntropy(), chunk=8)
        assert loss == pytest.approx(expected[0], rel=1e-12)
        for name, g in expected[2].items():
            np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)


def test_an_error_in_this_threads_share_leaves_the_worker_in_step(worker, monkeypatch):
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    x, y = _batch(40)
    bad = y.copy()
    bad[0] = 99  # in this thread's share: raised here while the worker's reply is on its way
    with pytest.raises(ValueError, match="99"):
        train.forward_backward(model, x, bad, SoftmaxCrossEntropy(), chunk=8)
    x, y = _batch(40, seed=5)
    expected = _on_threads(model, x, y, SoftmaxCrossEntropy(), monkeypatch)
    loss, _, grads = procshare.forward_backward(model, x, y, SoftmaxCrossEntropy(), 8,
                                                train._chunked)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    for name, g in expected[2].items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)


def test_a_batch_the_block_cannot_take_is_the_threads_to_refuse(worker):
    model = build_model("small", np.random.default_rng(0))
    assert procshare.start(model)
    x, y = _batch(32)
    x = x.astype(np.float32)
    with pytest.raises(ValueError):  # one label short
        train.forward_backward(model, x, y[:-1], SoftmaxCrossEntropy())
    with pytest.raises(ValueError):  # letters of another size than the network reads
        train.forward_backward(model, np.zeros((32, 1, 32, 32), np.float32), y,
                               SoftmaxCrossEntropy())
    assert procshare.worker_pid() is not None and procshare.suits(model, 2)  # kept
    assert procshare.forward_backward(model, x, y, SoftmaxCrossEntropy(), None,
                                      train._chunked) is not None


@pytest.mark.skipif(not hasattr(os, "posix_fallocate"), reason="no posix_fallocate")
def test_no_room_in_shared_memory_leaves_the_steps_to_threads(worker, monkeypatch):
    """On Linux a shared-memory block is sparse: with /dev/shm full, its first write would
    kill the process (SIGBUS). Its memory is claimed when it is made, and a refusal is an
    error the step survives."""
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    made = []
    real = procshare.Block

    def no_room(*args, **kwargs):
        monkeypatch.setattr(os, "posix_fallocate", full)
        try:
            return real(*args, **kwargs)
        except OSError:
            made.append("refused")
            raise

    def full(fd, offset, size):
        names.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc") else "")
        raise OSError(28, "No space left on device")

    names = []
    monkeypatch.setattr(procshare, "Block", no_room)
    x, y = _batch(40)
    expected = _on_threads(model, x, y, SoftmaxCrossEntropy(), monkeypatch)
    loss, _, grads = train.forward_backward(model, x, y, SoftmaxCrossEntropy(), chunk=8)
    assert made == ["refused"] and loss == pytest.approx(expected[0], rel=1e-12)
    for name, g in expected[2].items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)
    assert not procshare.suits(model, 2)  # threads from then on
    assert names and not any(os.path.exists(n) for n in names if n.startswith("/dev/shm"))


def test_a_killed_worker_leaves_the_step_to_this_process(worker, monkeypatch):
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    x, y = _batch(40)
    expected = _on_threads(model, x, y, SoftmaxCrossEntropy(), monkeypatch)
    process = procshare._worker.process
    process.kill()
    process.join(30)
    assert process.exitcode is not None
    loss, _, grads = train.forward_backward(model, x, y, SoftmaxCrossEntropy(), chunk=8)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    for name, g in expected[2].items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)
    assert procshare.worker_pid() is None and not procshare.suits(model, 2)  # threads now


def test_a_worker_that_raises_is_not_asked_again(worker, monkeypatch):
    model = build_model("small", np.random.default_rng(0)).astype(np.float64)
    assert procshare.start(model)
    x, y = _batch(40)
    expected = _on_threads(model, x, y, SoftmaxCrossEntropy(), monkeypatch)
    procshare.forward_backward(model, x, y, SoftmaxCrossEntropy(), 8, train._chunked)
    procshare._worker.conn.send(("setup", "no-such-block", model.spec, model.engine,
                                 model.input_shape, "<f8", 32))  # it fails, then says so
    loss, _, grads = procshare.forward_backward(model, x, y, SoftmaxCrossEntropy(), 8,
                                                train._chunked)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    for name, g in expected[2].items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)
    assert procshare.worker_pid() is None and not procshare.suits(model, 2)


def test_an_error_in_the_workers_share_is_raised_here_and_the_worker_stays(worker):
    model = build_model("small", np.random.default_rng(0))
    assert procshare.start(model)
    x, y = _batch(32)
    x = x.astype(np.float32)
    bad = y.copy()
    bad[-1] = 26  # in the worker's share
    with pytest.raises(ValueError, match="26"):
        train.forward_backward(model, x, bad, SoftmaxCrossEntropy())
    x[16:] = 3e38  # the worker's share overflows, which the caller asked NumPy to raise
    with np.errstate(over="raise", invalid="raise"), pytest.raises(FloatingPointError):
        train.forward_backward(model, x, y, SoftmaxCrossEntropy())
    assert procshare.worker_pid() is not None and procshare.suits(model, 2)
    loss, _, _ = train.forward_backward(model, x[:16].repeat(2, axis=0), y, SoftmaxCrossEntropy())
    assert np.isfinite(loss)


def test_steps_run_on_threads_while_the_worker_starts(worker, monkeypatch):
    monkeypatch.setattr(procshare._Worker, "poll_ready", lambda self: False)
    calls = []
    real_run = parallel.run
    monkeypatch.setattr(parallel, "run", lambda tasks: calls.append(len(tasks)) or real_run(tasks))
    model = build_model("small", np.random.default_rng(0))
    x, y = _batch(32)
    t = time.perf_counter()
    train.forward_backward(model, x.astype(np.float32), y, SoftmaxCrossEntropy())
    assert calls == [2] and procshare.worker_pid() is not None  # started, not waited for
    assert time.perf_counter() - t < procshare.START_TIMEOUT


def test_one_thread_asked_for_keeps_the_batch_in_this_thread(worker, monkeypatch):
    model = build_model("small", np.random.default_rng(0))
    assert procshare.start(model)
    monkeypatch.setattr(procshare, "forward_backward", lambda *a: pytest.fail("used the worker"))
    x, y = _batch(64)
    train.forward_backward(model, x.astype(np.float32), y, SoftmaxCrossEntropy(), threads=1)


def test_the_worker_goes_when_its_model_does(worker):
    model = build_model("small", np.random.default_rng(0))
    assert procshare.start(model)
    x, y = _batch(32)
    procshare.forward_backward(model, x.astype(np.float32), y, SoftmaxCrossEntropy(), None,
                               train._chunked)  # the worker is set up for this model
    process = procshare._worker.process
    del model
    gc.collect()
    assert procshare.worker_pid() is None
    process.join(30)
    assert process.exitcode is not None


def test_the_default_presets_share_as_measured():
    assert procshare.suits(build_model("small", np.random.default_rng(0)), 2)
    assert not procshare.suits(build_model("small", np.random.default_rng(0)), 3)
    assert not procshare.suits(build_model("large", np.random.default_rng(0)), 2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("end", ["return", "os._exit", "SIGKILL"])
def test_no_worker_outlives_its_process(tmp_path, end):
    # No `if __name__ == "__main__"` guard: the worker must not run this script again.
    script = tmp_path / "train_and_end.py"
    script.write_text(textwrap.dedent(f"""
        import os, signal, sys
        import numpy as np
        print("script ran", flush=True)
        from cnn import procshare
        from cnn.model import build_model
        procshare.MAX_WORK = 10**12
        model = build_model("small", np.random.default_rng(0))
        assert procshare.start(model)
        print(procshare.worker_pid(), flush=True)
        if {end!r} == "os._exit":
            os._exit(0)
        if {end!r} == "SIGKILL":
            os.kill(os.getpid(), signal.SIGKILL)
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=120)
    lines = done.stdout.split()
    assert lines[0:2] == ["script", "ran"] and len(lines) == 3, done.stdout + done.stderr
    assert _wait_gone(int(lines[2]))
