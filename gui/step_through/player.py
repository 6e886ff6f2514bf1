"""Play / Pause / Step / Back / Restart and a speed, for the chapters that move a window.

A QTimer ticks up to 40 times a second while playing; each tick asks the view to move on by as
many stops as the speed allows since the last tick (one, or a few at high speed), so a frame
is always a small update and drawing on the Draw tab never waits for it.
"""

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QWidget

SPEEDS = [1, 2, 4, 8, 15, 30, 60, 120, 240, 480, 960]  # stops per second
DEFAULT_SPEED = 4  # 15 stops a second: slow enough to follow the numbers
FRAME_MS = 25  # at most 40 frames a second


class Player(QWidget):
    """Emits `stepped(n)` to move n stops on (negative: back) and `restarted()`."""

    stepped = Signal(int)
    restarted = Signal()
    playing_changed = Signal(bool)

    def __init__(self, what: str = "window", parent: QWidget | None = None):
        super().__init__(parent)
        # Qt's own media icons, not glyphs: a symbol font may lack ⏸ and draw a box.
        self.restart_button = QPushButton(self._icon("SP_MediaSkipBackward"), "Restart")
        self.restart_button.setToolTip(f"Put the {what} back at the first stop (Home)")
        self.back_button = QPushButton(self._icon("SP_MediaSeekBackward"), "Back")
        self.back_button.setToolTip(f"Move the {what} one stop back (Left)")
        self.play_button = QPushButton(self._icon("SP_MediaPlay"), "Play")
        self.play_button.setToolTip(f"Slide the {what} over every stop, at the speed set on "
                                    "the right (Space)")
        self.play_button.setMinimumWidth(90)
        self.step_button = QPushButton(self._icon("SP_MediaSeekForward"), "Step")
        self.step_button.setToolTip(f"Move the {what} one stop on (Right)")
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(DEFAULT_SPEED)
        self.speed.setMaximumWidth(160)
        self.speed.setToolTip("How fast Play moves: stops per second")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(80)
        self.speed_label.setToolTip(self.speed.toolTip())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.restart_button, self.back_button, self.play_button, self.step_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Space stays play/pause
            row.addWidget(b)
        row.addSpacing(10)
        row.addWidget(QLabel("Speed"))
        row.addWidget(self.speed)
        row.addWidget(self.speed_label)
        row.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._clock = QElapsedTimer()
        self._carry = 0.0  # stops owed but not yet taken
        self.frames = 0  # ticks while playing, for the frame-rate benchmark

        self.restart_button.clicked.connect(self.restart)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.play_button.clicked.connect(self.toggle)
        self.step_button.clicked.connect(lambda: self.step(1))
        self.speed.valueChanged.connect(self._on_speed_changed)
        self._on_speed_changed(self.speed.value())

    def _icon(self, name: str):
        return self.style().standardIcon(getattr(QStyle.StandardPixmap, name))

    @property
    def stops_per_second(self) -> int:
        return SPEEDS[self.speed.value()]

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self.is_playing():
            return
        self._carry = 1.0  # the first stop at once: Play visibly does something
        self._clock.start()
        self._timer.start()
        self.play_button.setText("Pause")
        self.play_button.setIcon(self._icon("SP_MediaPause"))
        self.playing_changed.emit(True)
        self._on_timer_timeout()

    def pause(self) -> None:
        if not self.is_playing():
            return
        self._timer.stop()
        self.play_button.setText("Play")
        self.play_button.setIcon(self._icon("SP_MediaPlay"))
        self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def step(self, n: int = 1) -> None:
        """Move n stops by hand (pauses a running animation first)."""
        self.pause()
        self.stepped.emit(int(n))

    def restart(self) -> None:
        self.pause()
        self.restarted.emit()

    def _on_timer_timeout(self) -> None:
        self._carry += self._clock.restart() / 1000.0 * self.stops_per_second
        n = int(self._carry)
        if n:
            self._carry -= n
            self.frames += 1
            self.stepped.emit(n)

    def _on_speed_changed(self, index: int) -> None:
        self.speed_label.setText(f"{SPEEDS[index]} stops/s")
