"""Files that are not files, and files that promise gigabytes: refused at once, in small memory."""

import os
import socket
import struct
import sys
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

from cnn import checkpoint
from cnn.checkpoint import CheckpointError
from cnn.data import DataError, LetterSet, load_npz, read_npz, save_npz
from cnn.emnist import IMAGES_MAGIC, load_emnist, read_idx
from cnn.model import build_model
from cnn.samples import SampleStore
from tests import zipcraft

posix = pytest.mark.skipif(sys.platform == "win32", reason="pipes and sockets are POSIX files")


@pytest.fixture
def fifo(tmp_path):
    """A named pipe called pipe.npz. A writer stands ready to feed it junk, so that code which
    wrongly opens it reads junk and fails on the message instead of hanging the test run."""
    path = tmp_path / "pipe.npz"
    os.mkfifo(path)

    def feed():
        try:
            with open(path, "wb") as f:
                f.write(b"junk that is not a zip archive")
        except OSError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    yield path
    # Release the writer if nobody opened the pipe for reading (the expected case).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    feeder.join()
    os.close(fd)


@posix
def test_a_named_pipe_is_refused_as_a_model_a_letter_set_an_idx_file_and_a_sample(fifo):
    with pytest.raises(CheckpointError, match=r"pipe.npz: it is a named pipe \(FIFO\)"):
        checkpoint.load(fifo)
    with pytest.raises(DataError, match="named pipe"):
        load_npz(fifo)
    with pytest.raises(DataError, match="named pipe"):
        read_idx(fifo, IMAGES_MAGIC)
    with pytest.raises(DataError, match="named pipe"):
        load_emnist(fifo, fifo)
    store = SampleStore(fifo.parent / "store")
    with pytest.raises(DataError, match="named pipe"):
        store.import_npz(fifo)
    store = SampleStore(fifo.parent)
    sample_pipe = fifo.parent / "20240101-000000-000000.npz"
    os.rename(fifo, sample_pipe)
    with pytest.warns(UserWarning, match="named pipe"):
        assert store.list() == []
    assert [p.name for p in store.problems] == [sample_pipe.name]
    os.rename(sample_pipe, fifo)


@posix
def test_a_device_a_folder_and_a_socket_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="device"):
        checkpoint.load("/dev/zero")
    with pytest.raises(DataError, match="device"):
        read_npz("/dev/zero")
    with pytest.raises(DataError, match="device"):
        read_idx("/dev/zero", IMAGES_MAGIC)
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(CheckpointError, match="folder"):
        checkpoint.load(tmp_path / "folder.npz")
    with pytest.raises(DataError, match="folder"):
        load_npz(tmp_path / "folder.npz")
    sock = socket.socket(socket.AF_UNIX)
    path = tmp_path / "s.npz"
    try:
        sock.bind(str(path))
    except OSError:
        pytest.skip("cannot make a socket file here")
    with sock:
        with pytest.raises(CheckpointError, match="socket"):
            checkpoint.load(path)
        with pytest.raises(DataError, match="socket"):
            load_npz(path)


def _peak(fn) -> int:
    """Peak bytes traced while fn() runs (its exception is the caller's to expect)."""
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _write(path, raw: bytes):
    path.write_bytes(raw)
    return path


def test_an_npy_header_declaring_a_trillion_values_is_refused_from_the_header(tmp_path):
    member = zipcraft.npy(zipcraft.npy_header((10**12,), "<f8"))
    path = _write(tmp_path / "huge.npz", zipcraft.zip_of({"x.npy": member}, deflate=True))

    def load():
        with pytest.raises(DataError, match=r"huge.npz: 'x' declares 1,000,000,000,000 values"
                                            r".*a letter set may hold at most 512 MB"):
            load_npz(path)
    assert _peak(load) < 4 << 20
    path = _write(tmp_path / "huge_model.npz", zipcraft.zip_of({"fc1.weight.npy": member}))
    with pytest.raises(CheckpointError, match=r"huge_model.npz: .*a model file may hold at most"):
        checkpoint.load(path)


def test_a_member_declaring_gigabytes_is_refused_before_inflating_it(tmp_path):
    # A real 6 MB-class file: a deflated member whose zip headers declare 3 GB.
    head = zipcraft.npy(zipcraft.npy_header((3 << 30,)))
    raw = zipcraft.deflated_zip_streaming("x.npy", head, 20 << 20)
    path = _write(tmp_path / "bomb.npz", zipcraft.set_declared_size(raw, (3 << 30) + len(head)))

    def load():
        with pytest.raises(DataError, match=r"bomb.npz: 'x' holds 3 GB; a letter set may hold "
                                            r"at most 512 MB"):
            load_npz(path)
    assert _peak(load) < 4 << 20


def test_a_member_that_inflates_past_its_declared_size_stops_at_it(tmp_path):
    # The npy header and the zip both say 1,000 bytes; the deflate stream holds 60 MB.
    head = zipcraft.npy(zipcraft.npy_header((1000,)))
    raw = zipcraft.deflated_zip_streaming("x.npy", head, 60 << 20)
    path = _write(tmp_path / "liar.npz", zipcraft.set_declared_size(raw, len(head) + 1000))

    def load():
        with pytest.raises(DataError, match="liar.npz: damaged"):
            read_npz(path)
    assert _peak(load) < 4 << 20


def test_a_sample_file_has_a_smaller_budget_than_a_letter_set(tmp_path):
    store = SampleStore(tmp_path / "samples")
    sid = store.add(np.zeros((28, 28), np.uint8), 0, [np.zeros((5, 2))])
    big = tmp_path / "samples" / "20240101-000000-000000.npz"
    pts = np.zeros((1_100_000, 2))  # 17.6 MB of stroke points: no sample is this big
    np.savez(big, format=np.int64(1), image=np.zeros((28, 28), np.uint8), label=np.int64(0),
             case=np.int64(0), created=np.float64(1e9), stroke_points=pts,
             stroke_offsets=np.array([0, len(pts)]))
    with pytest.warns(UserWarning, match="at most 16 MB"):
        assert [s.id for s in store.list()] == [sid]
    assert store.problems[0].name == big.name and "16 MB" in store.problems[0].reason


def test_a_gzip_idx_file_that_inflates_past_its_header_stops_there(tmp_path):
    path = _write(tmp_path / "emnist-letters-test-images-idx3-ubyte.gz",
                  zipcraft.idx_gz_streaming((100, 28, 28), 100 << 20))

    def load():
        with pytest.raises(DataError, match="longer than its header says"):
            read_idx(path, IMAGES_MAGIC, (28, 28))
    assert _peak(load) < 4 << 20


def test_an_idx_header_declaring_millions_of_letters_is_refused_before_reading(tmp_path):
    path = _write(tmp_path / "emnist-letters-test-images-idx3-ubyte.gz",
                  zipcraft.idx_gz_streaming((5_000_000, 28, 28), 1 << 20))

    def load():
        with pytest.raises(DataError, match=r"declares 5,000,000 items.*at most 684,784 letters"):
            read_idx(path, IMAGES_MAGIC, (28, 28))
    assert _peak(load) < 4 << 20
    path = _write(tmp_path / "wide-images-idx3-ubyte.gz",
                  zipcraft.idx_gz_streaming((1, 60000, 60000), 1 << 20))
    with pytest.raises(DataError, match="images are 60000x60000, expected 28x28"):
        read_idx(path, IMAGES_MAGIC, (28, 28))


def test_a_spec_asking_for_too_many_parameters_is_refused_before_allocating(tmp_path):
    with pytest.raises(ValueError, match="more than 32,000,000 parameters"):
        build_model([{"type": "flatten"}, {"type": "linear", "out_features": 30_000},
                     {"type": "linear", "out_features": 30_000},
                     {"type": "linear", "out_features": 26}])
    with pytest.raises(ValueError, match="conv1: its output .* at most 2,097,152"):
        build_model([{"type": "conv2d", "out_channels": 8, "padding": 1000},
                     {"type": "flatten"}, {"type": "linear", "out_features": 26}])
    path = tmp_path / "m.npz"
    checkpoint.save(build_model("small", np.random.default_rng(0)), path)

    def giant(meta):
        meta["spec"][-1]["out_features"] = 10**12
    _edit_meta(path, giant)

    def load():
        with pytest.raises(CheckpointError, match="m.npz: its architecture cannot be built: "
                                                  "layer fc2: the model would have more than"):
            checkpoint.load(path)
    assert _peak(load) < 16 << 20


def _edit_meta(path, change):
    import json

    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["__meta__"]))
    change(meta)
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


def test_letter_sets_and_samples_still_load_normally(tmp_path):
    x = np.zeros((3, 28, 28), np.uint8)
    s = LetterSet(x, [0, 1, 2], strokes=[[np.zeros((2, 2))], [], [np.ones((1, 2))]])
    save_npz(s, tmp_path / "s.npz")
    back = load_npz(tmp_path / "s.npz")
    assert back.x.flags.writeable and len(back) == 3 and len(back.strokes[0]) == 1
    np.savez(tmp_path / "f.npz", x=np.asfortranarray(np.arange(2 * 28 * 28).reshape(2, 28, 28)
                                                       % 256), y=[0, 1])
    f = load_npz(tmp_path / "f.npz")
    assert np.array_equal(f.x, np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256)


def _zip64_claiming(path, members: int) -> None:
    """A one-member archive whose zip64 end record claims `members` members."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("0.npy", b"")
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    directory_size, directory_at = struct.unpack("<II", data[end + 12 : end + 20])
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, members, members,
                                          directory_size, directory_at)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1)
    tail = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                                         0xFFFFFFFF, 0)
    path.write_bytes(data[:end] + record + locator + tail)


@pytest.mark.parametrize("members", [5_000, 7_000_000])
def test_an_archive_of_many_members_is_refused_from_its_end_record(tmp_path, members):
    path = tmp_path / "many.npz"
    if members > 0xFFFF:  # only zip64's end record can say so; writing them would take minutes
        _zip64_claiming(path, members)
    else:
        with zipfile.ZipFile(path, "w") as zf:
            for i in range(members):
                zf.writestr(f"{i}.npy", b"")
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=f"{members:,} members"):
            checkpoint.load(path)
        with pytest.raises(DataError, match=f"{members:,} members"):
            load_npz(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # the directory was never parsed into Python objects


@posix
def test_saving_over_a_pipe_or_a_folder_refuses_and_a_link_keeps_pointing(fifo, tmp_path):
    """A file is written beside the target and renamed over it: over a device or a pipe that
    rename would put a file where the device was (as root, /dev/null itself)."""
    model = build_model("small")
    for target, words in ((fifo, "not a file to replace"), (tmp_path, "is a folder")):
        with pytest.raises(OSError, match=words):
            checkpoint.save(model, target)
    assert fifo.is_fifo() and tmp_path.is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no leftovers
    real = tmp_path / "models" / "mine.npz"
    real.parent.mkdir()
    checkpoint.save(build_model("small"), real)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    assert checkpoint.save(model, link) == link  # the name chosen, which the app remembers
    assert link.is_symlink() and link.resolve() == real  # the link stays a link...
    saved, _ = checkpoint.load(real)  # ...and the file it points to holds the new model
    assert all(np.array_equal(saved.state_dict()[k], v) for k, v in model.state_dict().items())
