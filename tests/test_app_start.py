"""The app's own start-up: garbage is collected in the GUI thread only."""

import gc
import threading
import weakref

from gui import app


class Node:
    pass


def test_cyclic_garbage_is_collected_on_a_timer_in_the_gui_thread(qtbot):
    threads = set()

    def seen(phase, info):
        threads.add(threading.current_thread())

    gc.callbacks.append(seen)
    collector = app.collect_garbage_in_gui_thread()
    try:
        assert not gc.isenabled() and collector.timer.isActive()
        node = Node()
        node.me = node  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        del node
        more = [[[] for _ in range(2 * gc.get_threshold()[0])]]  # past the first threshold
        assert gone() is not None

        def collected() -> bool:
            # Objects freed meanwhile (an earlier test's widgets deleted by the event loop)
            # lower the count the collector checks: keep allocating, as a running app does.
            more.append([[] for _ in range(50)])
            return gone() is None

        qtbot.waitUntil(collected, timeout=10_000)
        assert threads == {threading.main_thread()}
        more.clear()
    finally:
        collector.timer.stop()
        gc.callbacks.remove(seen)
        gc.disable()  # as the test session keeps it (tests/conftest.py)
