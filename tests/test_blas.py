"""cnn.blas: one owner of the process-wide BLAS thread limit, for every thread."""

import threading

import pytest
from threadpoolctl import ThreadpoolController

from cnn import blas


@pytest.fixture
def two_threads():
    """BLAS at 2 threads to begin with (so that a limit of 1 shows), put back afterwards."""
    controller = ThreadpoolController()
    if not controller.select(user_api="blas").lib_controllers:
        pytest.skip("no BLAS library found by threadpoolctl")
    with controller.limit(limits=2, user_api="blas"):
        if blas.threads() != 2:
            pytest.skip("this BLAS runs one thread only")
        yield


def test_holders_in_two_threads_leave_in_any_order_and_the_start_comes_back(two_threads):
    """A enters, B enters, A leaves (B still holds: still limited), B leaves: back to 2.
    Restoring on its own, A would put back 2 under B, and B the 1 it saw, for good."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with blas.limit(1):
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with blas.limit(1):
            b_in.set()
            a_out.wait(5)
            seen["b after a left"] = blas.threads()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"b after a left": 1}
    assert blas.threads() == 2


def test_the_lowest_limit_held_applies_and_nesting_unwinds(two_threads):
    with blas.limit(2):
        assert blas.threads() == 2
        with blas.limit(1):
            assert blas.threads() == 1
        assert blas.threads() == 2
    assert blas.threads() == 2
    with pytest.raises(KeyError), blas.limit(1):
        raise KeyError("an error inside still lifts the limit")
    assert blas.threads() == 2


def test_many_overlapping_holders_restore_the_start(two_threads):
    start = threading.Barrier(4)

    def hold():
        start.wait(5)
        for _ in range(50):
            with blas.limit(1):
                assert blas.threads() == 1

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert blas.threads() == 2
