"""Teach the network your handwriting: store labelled drawings, take a few backprop steps on
one drawing, or fine-tune on all your samples; each mixed with replayed letters.

TeachController holds the logic (no widgets); TeachBar is a compact strip for the Draw tab.
Training happens on a copy of the current model, off the GUI thread when started with
`start_*`; the result goes out as `weights_published(model, meta)`, like the Train tab's.
"""

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn.data import LETTERS, LetterSet, combine
from cnn.model import Sequential
from cnn.runs.finetune import fine_tune, replay_pool, teach_steps
from cnn.samples import SampleStore
from gui import logs
from gui.training.background import BackgroundCall
from gui.untrusted import as_meta, count, entries

log = logging.getLogger(__name__)

CurrentModel = Callable[[], tuple[Sequential | None, dict]]
# Metadata: what changed the weights after their validation accuracy was measured.
CHANGED_SINCE_VALIDATION = "changed_since_validation"


def _label_index(label) -> int:
    if isinstance(label, str):
        return LETTERS.index(label.upper())
    return int(label)


class TeachController(QObject):
    """add_sample / teach_letter / fine_tune_on_samples; `start_*` run them in a thread."""

    sample_added = Signal(str, int)  # sample id, label 0..25
    counts_changed = Signal(object)  # (26,) samples per letter
    taught = Signal(object)  # {'label', 'before' (26,), 'after' (26,)}
    fine_tuned = Signal(object)  # finetune.fine_tune's result: held_out, replay, trained, ...
    weights_published = Signal(object, object)  # the taught model (a new one), meta
    busy_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, current_model: CurrentModel, sample_store: SampleStore | None = None,
                 replay: LetterSet | None = None, seed: int | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._current_model = current_model
        self.store = sample_store if sample_store is not None else SampleStore()
        self._replay = replay
        self._rng = np.random.default_rng(seed)
        self._call = BackgroundCall(self)
        self._call.finished.connect(self._on_call_finished)
        self._call.failed.connect(self._on_call_failed)
        self._pending: Callable[[object], None] | None = None
        # The weights this object last published and the drawing they were taught: a lesson
        # on the same drawing of those weights is more steps, not another drawing.
        self._last_lesson: tuple[Sequential, np.ndarray] | None = None
        self.run_active = False  # a training run is sending weights: a lesson would be lost

    # --- samples -------------------------------------------------------------------------------

    def add_sample(self, strokes, image28, label) -> str:
        """Store a drawing with its label (0..25, or a letter: 'a' also records lower case)."""
        sample_id = self.store.add(image28, label, strokes)
        index = _label_index(label)
        self.sample_added.emit(sample_id, index)
        self.counts_changed.emit(self.counts())
        return sample_id

    def counts(self) -> np.ndarray:
        return self.store.counts()

    def replay(self, mine: LetterSet | None = None) -> LetterSet:
        """Letters to mix into every teaching batch: a synthetic pool plus my other samples
        (`mine`, read from the store when not given)."""
        if self._replay is None:
            self._replay = replay_pool()
        mine = self.store.to_letterset() if mine is None else mine
        return combine([self._replay, mine]) if len(mine) else self._replay

    # --- teaching (synchronous: these block the calling thread) -------------------------------

    def teach_letter(self, image28, label, steps: int = 3,
                     replay: LetterSet | None = None) -> tuple[np.ndarray, np.ndarray]:
        """A few backprop steps on this drawing with its correct label; (probs_before, after)."""
        model, meta = self._model()
        work = model.copy()
        result = self._teach(work, image28, _label_index(label), steps, replay)
        self._on_taught(result, work, meta, model, image28)
        return result["before"], result["after"]

    def fine_tune_on_samples(self, epochs: int = 4, replay: LetterSet | None = None) -> dict:
        """Fine-tune on all my samples plus replay; accuracy on my samples before and after."""
        model, meta = self._model()
        work = model.copy()
        result = self._fine_tune(work, epochs, replay)
        self._on_fine_tuned(result, work, meta)
        return result

    def keep_step(self, work: Sequential, image28, label, before, after) -> bool:
        """Publish weights that took one backprop step on `image28` elsewhere (the Step through
        tab), as teaching does: the same metadata, `taught` and `weights_published`. False if
        busy."""
        if self._call.is_busy():
            return False
        model, meta = self._model()
        result = {"label": _label_index(label), "before": np.asarray(before),
                  "after": np.asarray(after), "steps": 1}
        self._on_taught(result, work, meta, model, image28)
        return True

    # --- the same, in a background thread ------------------------------------------------------

    def is_busy(self) -> bool:
        return self._call.is_busy()

    def start_teach_letter(self, image28, label, steps: int = 3) -> bool:
        """teach_letter in a thread; `taught` and `weights_published` follow. False if busy."""
        model, meta = self._model()
        work, index = model.copy(), _label_index(label)
        image = np.array(image28)
        mine = self.store.to_letterset()  # here: the store belongs to the GUI thread
        return self._start(lambda: self._teach(work, image, index, steps, None, mine),
                           self._unless_replaced(model, lambda result: self._on_taught(
                               result, work, meta, model, image)))

    def start_fine_tune(self, epochs: int = 4) -> bool:
        """fine_tune_on_samples in a thread; `fine_tuned` and `weights_published` follow."""
        model, meta = self._model()
        work = model.copy()
        mine = self.store.to_letterset()  # here: the store belongs to the GUI thread
        return self._start(lambda: self._fine_tune(work, epochs, None, mine),
                           self._unless_replaced(model, lambda result: self._on_fine_tuned(
                               result, work, meta)))

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until a background call has ended (for closing the window)."""
        return self._call.wait(timeout_s)

    # --- internals -----------------------------------------------------------------------------

    def _model(self) -> tuple[Sequential, dict]:
        model, meta = self._current_model()
        if model is None:
            raise ValueError("there is no model to teach")
        return model, as_meta(meta)

    def _teach(self, work, image28, label: int, steps: int, replay, mine=None) -> dict:
        replay = self.replay(mine) if replay is None else replay
        before, after = teach_steps(work, image28, label, steps=steps, replay=replay,
                                    rng=self._rng)
        return {"label": label, "before": before, "after": after, "steps": steps}

    def _fine_tune(self, work, epochs: int, replay, mine=None) -> dict:
        mine = self.store.to_letterset() if mine is None else mine
        replay = self._replay_pool() if replay is None else replay
        return fine_tune(work, mine, replay, epochs=epochs, rng=self._rng)

    def _replay_pool(self) -> LetterSet:
        if self._replay is None:
            self._replay = replay_pool()
        return self._replay

    def _unless_replaced(self, base: Sequential, then):
        """`then`, if the window still shows `base` when the call ends; otherwise the lesson is
        dropped with a message: it must not replace a model opened or trained meanwhile."""
        def finish(result) -> None:
            if self._model()[0] is base and not self.run_active:
                then(result)
            else:
                # First what happened: the teach bar shows one line, cut to its room.
                self.failed.emit("Lesson not applied: the model changed while it learned "
                                 "(another model was opened or a training run started). "
                                 "Teach the letter again to teach the model now shown.")
        return finish

    def _start(self, fn, then) -> bool:
        if self._call.is_busy():
            return False
        self._pending = then
        self._call.start(fn)
        self.busy_changed.emit(True)
        return True

    def _publish(self, work: Sequential, meta: dict, change: str, **extra) -> None:
        """Send the changed weights on; their validation accuracy is now from before `change`
        ('teaching' or 'fine-tuning', the latter saying more), until a run validates again."""
        if meta.get(CHANGED_SINCE_VALIDATION) == "fine-tuning":
            change = "fine-tuning"
        meta = {**meta, **extra, CHANGED_SINCE_VALIDATION: change}
        self.weights_published.emit(work, meta)

    def _on_taught(self, result: dict, work: Sequential, meta: dict, base: Sequential,
                   image28) -> None:
        """`base` learned `result['steps']` steps on `image28`, giving `work`: count the steps,
        and the drawing unless `base` is what the last lesson on this drawing published."""
        last = self._last_lesson
        again = last is not None and last[0] is base and np.array_equal(last[1], image28)
        self._last_lesson = (work, np.array(image28, copy=True))
        self._publish(work, meta, "teaching",
                      taught_drawings=count(meta, "taught_drawings") + (0 if again else 1),
                      taught_steps=count(meta, "taught_steps") + int(result["steps"]))
        self.taught.emit(result)

    def _on_fine_tuned(self, result: dict, work: Sequential, meta: dict) -> None:
        runs = entries(meta, "fine_tuned_on_my_samples")
        run = {k: result[k] for k in ("n_mine", "n_held_out", "n_replay", "n_check")}
        for key in ("held_out", "replay", "trained"):  # flat: (before, after), None: not tested
            pair = result[key] or (None, None)
            run.update({f"{key}_before": pair[0], f"{key}_after": pair[1]})
        runs.append(run)
        self._publish(work, meta, "fine-tuning", fine_tuned_on_my_samples=runs)
        self.fine_tuned.emit(result)

    def _on_call_finished(self, result: object) -> None:
        then, self._pending = self._pending, None
        if then is not None:
            then(result)
        self.busy_changed.emit(False)

    def _on_call_failed(self, message: str) -> None:
        self._pending = None  # the thread logged the traceback
        self.busy_changed.emit(False)
        self.failed.emit(logs.with_hint(message))


from gui.training.teach_bar import TeachBar  # noqa: E402  (the widget, beside its controller)

__all__ = ["TeachBar", "TeachController"]
