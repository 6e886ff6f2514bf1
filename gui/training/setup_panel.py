"""Setting up a run: data sources and their sizes, the architecture, the hyper-parameters."""

import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn.runs.config import DEFAULT_DEGRADE, DEFAULT_LR, RunConfig
from gui.training.arch_editor import ArchEditor
from gui.training.lr_field import LearningRateField
from gui.training.setup_files import ERROR_STYLE, SetupFiles
from gui.wheel_guard import guard_wheel

log = logging.getLogger(__name__)

_OPTIMISERS = {"adam": "Adam", "sgd": "SGD with momentum"}


class SetupPanel(SetupFiles, QWidget):
    """`config()` reads the form into a RunConfig; `set_config()` fills it in."""

    changed = Signal()
    augment_toggled = Signal(bool)
    degrade_changed = Signal(float)  # the share of letters given paper and screen effects
    problem_changed = Signal(str)  # why the form cannot start a run as filled in; "" when it can
    data_changed = Signal()  # what a run trains on: files ticked, synthetic or my samples
    samples_requested = Signal()  # the person wants to see their samples

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainSetup")
        self._current_spec: list[dict] | None = None  # the current model's, for fine-tuning
        self._problem = ""  # the latest problem() told through problem_changed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._data_group())
        layout.addWidget(self._model_group())
        layout.addWidget(self._training_group())
        layout.addStretch(1)
        self.set_config(RunConfig())
        self.set_current_model(None)
        # The panel scrolls: the wheel scrolls it, and changes a field only once it is focused.
        self._wheel_guard = guard_wheel(self)

    # --- building ------------------------------------------------------------------------------

    def _data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        self.use_synthetic = QCheckBox("Synthetic letters")
        self.use_synthetic.setToolTip("Letters drawn from stroke fonts with a hand's wobble; "
                                      "made once, then read from the cache folder")
        self.synthetic = QSpinBox()
        self.synthetic.setToolTip("How many synthetic letters to make, spread evenly over A–Z")
        self.synthetic.setRange(26, 500_000)
        self.synthetic.setSingleStep(1000)
        self.synthetic.setGroupSeparatorShown(True)
        self.use_synthetic.toggled.connect(self.synthetic.setEnabled)
        self.my_samples = QCheckBox("My samples (0)")
        self.my_samples.setToolTip("The letters you added from the Draw tab")
        self.show_samples = QPushButton("Show…")
        self.show_samples.setToolTip("See your samples, delete wrong ones or change their "
                                     "letter (Ctrl+Shift+M)")
        self.show_samples.clicked.connect(self.samples_requested)
        self.samples_note = QLabel()
        self.samples_note.setTextFormat(Qt.TextFormat.PlainText)
        self.samples_note.setWordWrap(True)
        self.samples_note.setStyleSheet(ERROR_STYLE)
        self.samples_note.setVisible(False)
        buttons = self._create_file_widgets()
        self.val_fraction = QDoubleSpinBox()
        self.val_fraction.setRange(0.0, 0.5)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.setToolTip("Share held out for validation; whole writers where known")

        synth = QHBoxLayout()
        synth.addWidget(self.use_synthetic)
        synth.addWidget(self.synthetic, 1)
        self.val_source = QComboBox()
        self.val_source.addItem("a held-out share", "")
        self.val_source.setToolTip("Validate on a share of the training letters, or on one of "
                                   "the files above (then it is not trained on): real "
                                   "handwriting tells more than held-out synthetic letters")
        self.val_source.currentIndexChanged.connect(
            lambda i: self.val_fraction.setEnabled(i == 0))
        form = QFormLayout()
        form.addRow("Validate on", self.val_source)
        form.addRow("Share", self.val_fraction)
        for signal in (self.use_synthetic.toggled, self.my_samples.toggled,
                       self.files.itemChanged, self.files.model().rowsInserted,
                       self.files.model().rowsRemoved, self.val_source.currentIndexChanged):
            signal.connect(lambda *_: self.data_changed.emit())
        v = QVBoxLayout(box)
        v.addLayout(synth)
        mine = QHBoxLayout()
        mine.addWidget(self.my_samples, 1)
        mine.addWidget(self.show_samples)
        v.addLayout(mine)
        v.addWidget(self.samples_note)
        v.addWidget(self.files)
        v.addLayout(buttons)
        v.addWidget(self._loading)
        v.addWidget(self.file_message)
        v.addLayout(form)
        return box

    def _model_group(self) -> QGroupBox:
        box = QGroupBox("Network")
        self.scratch = QRadioButton("From scratch")
        self.scratch.setToolTip("Build the network below with new random weights and train it")
        self.from_current = QRadioButton("Fine-tune the current model")
        self.from_current.setToolTip("Go on training the model the window holds now, from its "
                                     "weights (its architecture stays as it is)")
        group = QButtonGroup(box)
        group.addButton(self.scratch)
        group.addButton(self.from_current)
        self.from_current.toggled.connect(self._on_start_toggled)
        self.current_label = QLabel()
        self.current_label.setTextFormat(Qt.TextFormat.PlainText)  # the name comes from a file
        self.current_label.setWordWrap(True)
        self.arch = ArchEditor()
        self.arch.changed.connect(self.changed)
        self.arch.changed.connect(self._check_problem)
        self.from_current.toggled.connect(self._check_problem)
        self.init = QComboBox()
        self.init.addItems(["He: std √(2/fan-in)", "Gaussian, std:"])
        self.init.setToolTip("How new weights are drawn: from a Gaussian whose spread suits "
                             "each layer's inputs (He), or one spread for every layer")
        self.init_std = QDoubleSpinBox()
        self.init_std.setToolTip("The Gaussian's standard deviation for every layer's weights")
        self.init_std.setDecimals(4)
        self.init_std.setRange(0.0001, 1.0)
        self.init_std.setSingleStep(0.01)
        self.init.currentIndexChanged.connect(lambda i: self.init_std.setEnabled(i == 1))
        init = QHBoxLayout()
        init.addWidget(QLabel("Init"))
        init.addWidget(self.init, 1)
        init.addWidget(self.init_std)
        v = QVBoxLayout(box)
        v.addWidget(self.scratch)
        v.addWidget(self.from_current)
        v.addWidget(self.current_label)
        v.addWidget(self.arch)
        v.addLayout(init)
        return box

    def _training_group(self) -> QGroupBox:
        box = QGroupBox("Training")
        self.optimizer = QComboBox()
        for key, text in _OPTIMISERS.items():
            self.optimizer.addItem(text, key)
        self.optimizer.setToolTip("Adam scales each weight's step by the size of its recent "
                                  "gradients; SGD with momentum gives every weight the same rate")
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_changed)
        self.momentum = QDoubleSpinBox()
        self.momentum.setToolTip("SGD's momentum: how much of the last step each step keeps "
                                 "(0 is plain gradient descent)")
        self.momentum.setRange(0.0, 0.999)
        self.momentum.setSingleStep(0.05)
        self.lr_field = LearningRateField()
        self.lr, self.lr_error = self.lr_field.edit, self.lr_field.error
        self.lr_field.problem_changed.connect(self._check_problem)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 2048)
        self.batch_size.setToolTip("Letters per step: the gradient is their average, and the "
                                   "weights change once per batch")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 500)
        self.epochs.setToolTip("Passes over the whole training set")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Picks the random weights, the letters' order and their "
                             "augmentation: the same seed and settings start the same way")
        # Short texts, the rest in tooltips: a checkbox never wraps, and the panel must fit
        # its column at 1280 pixels.
        self.augment = QCheckBox("Augment: turns, stretches, shifts")
        self.augment.setToolTip("Give each letter of a batch a small random turn, stretch "
                                "and shift, so the network learns shapes, not positions")
        self.augment.toggled.connect(self.augment_toggled)
        self.degrade = QCheckBox("Paper and screen effects")
        self.degrade.setToolTip(
            "Give a share of each batch the look of scanned, photographed or small-screen "
            "letters: bolder or thinner strokes, blocky or soft low resolution, faint or uneven "
            "ink, a little blur. Helps a model read letters that were not drawn in this window.")
        self.degrade.toggled.connect(
            lambda on: self.degrade_changed.emit(self._degrade_share() if on else 0.0))
        self.one_core = QCheckBox("Train on one core")
        self.one_core.setToolTip(
            "One thread for training, the rest left to the window. On an idle machine all "
            "cores train faster; when anything else runs (or you draw while it trains) one "
            "thread is smoother and, on two cores, several times faster.")
        self.name = QLineEdit()
        self.name.setToolTip("The model's name, shown in the window and used for its file name")
        sizes = QHBoxLayout()
        sizes.addWidget(self.epochs, 1)
        sizes.addWidget(QLabel("seed"))
        sizes.addWidget(self.seed, 1)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Optimiser", self.optimizer)
        form.addRow("Momentum", self.momentum)
        form.addRow("Learning rate", self.lr_field)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", sizes)
        form.addRow(self.augment)
        form.addRow(self.degrade)
        form.addRow(self.one_core)
        form.addRow("Name", self.name)
        return box

    # --- reading and writing -------------------------------------------------------------------

    def config(self) -> RunConfig:
        """The form as a RunConfig; raises ValueError with a message for a person."""
        lr = self.lr_field.value()
        files = self._ticked_files()
        # Fields without a widget (seeds, folders, threads) keep what set_config() was given.
        return replace(
            self._base,
            synthetic=self.synthetic.value() if self.use_synthetic.isChecked() else 0,
            my_samples=self.my_samples.isChecked(), files=files,
            val_fraction=round(self.val_fraction.value(), 4),
            val_files=[self.val_source.currentData()] if self.val_source.currentIndex() else [],
            from_current=self.from_current.isChecked(), arch=self.arch.arch(),
            init_std=self.init_std.value() if self.init.currentIndex() == 1 else None,
            optimizer=self.optimizer.currentData(), lr=lr, momentum=self.momentum.value(),
            batch_size=self.batch_size.value(), epochs=self.epochs.value(),
            seed=self.seed.value(), augment=self.augment.isChecked(),
            degrade=self._degrade_share() if self.degrade.isChecked() else 0.0,
            blas_threads=1 if self.one_core.isChecked() else None,
            name=self.name.text().strip() or "my-model")

    def set_config(self, c: RunConfig) -> None:
        self._base = replace(c)
        self.use_synthetic.setChecked(c.synthetic > 0)
        self.synthetic.setValue(c.synthetic or 26_000)
        self.synthetic.setEnabled(c.synthetic > 0)
        self.my_samples.setChecked(c.my_samples)
        self.files.clear()
        while self.val_source.count() > 1:
            self.val_source.removeItem(1)
        for path in dict.fromkeys([*c.files, *c.val_files]):
            self.add_file(path)
        for i in range(self.files.count()):
            item = self.files.item(i)
            if item.data(Qt.ItemDataRole.UserRole) not in c.files:
                item.setCheckState(Qt.CheckState.Unchecked)
        index = self.val_source.findData(c.val_files[0]) if c.val_files else 0
        self.val_source.setCurrentIndex(max(index, 0))
        self.val_fraction.setValue(c.val_fraction)
        self.val_fraction.setEnabled(self.val_source.currentIndex() == 0)
        (self.from_current if c.from_current else self.scratch).setChecked(True)
        if isinstance(c.arch, str):
            self.arch.preset.setCurrentText(c.arch)
        else:
            self.arch.set_spec(c.arch)
        self.init.setCurrentIndex(0 if c.init_std is None else 1)
        self.init_std.setValue(c.init_std or 0.01)
        self.init_std.setEnabled(c.init_std is not None)
        self.optimizer.blockSignals(True)
        self.optimizer.setCurrentIndex(list(_OPTIMISERS).index(c.optimizer))
        self.optimizer.blockSignals(False)
        self.momentum.setValue(c.momentum)
        self.momentum.setEnabled(c.optimizer == "sgd")
        self.lr.setText(f"{c.lr:g}")
        self.batch_size.setValue(c.batch_size)
        self.epochs.setValue(c.epochs)
        self.seed.setValue(c.seed)
        self.augment.setChecked(c.augment)
        self.degrade.setChecked(c.degrade > 0)
        self.one_core.setChecked(c.blas_threads == 1)
        self.name.setText(c.name)
        self._check_problem()

    def _ticked_files(self) -> list[str]:
        return [self.files.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.files.count())
                if self.files.item(i).checkState() == Qt.CheckState.Checked]

    def training_sources(self) -> tuple[list[str], bool, bool]:
        """(ticked files a run trains on, synthetic letters?, my samples?) as the form stands."""
        val = self.val_source.currentData()
        files = self._ticked_files()
        return ([f for f in files if f != val], self.use_synthetic.isChecked(),
                self.my_samples.isChecked())

    def problem(self) -> str:
        """Why a run cannot start with the form as it is ("" when it can): the learning rate,
        or a network from scratch that does not fit together or is too big to train."""
        if self.lr_field.problem() or self.from_current.isChecked():
            return self.lr_field.problem()
        try:
            self.arch.spec()
        except ValueError as e:
            return str(e)
        return ""

    def _check_problem(self, *_) -> None:
        problem = self.problem()
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)

    def _degrade_share(self) -> float:
        """The share a ticked box stands for: what the config said, else DEFAULT_DEGRADE."""
        return self._base.degrade if self._base.degrade > 0 else DEFAULT_DEGRADE

    def set_samples_count(self, n: int, note: str = "") -> None:
        """The count of my samples, and a note on damaged ones skipped ('' for none)."""
        self.my_samples.setText(f"My samples ({n:,})")
        self.samples_note.setText(note)
        self.samples_note.setVisible(bool(note))

    def set_current_model(self, description: str | None, spec: list[dict] | None = None) -> None:
        """Describe the model the Draw tab uses; None when there is none to fine-tune."""
        self._current_spec = spec
        self.from_current.setEnabled(description is not None)
        if description is None and self.from_current.isChecked():
            self.scratch.setChecked(True)
        self.current_label.setText(description or "")
        self.current_label.setVisible(bool(description))
        self._on_start_toggled(self.from_current.isChecked())

    def set_running(self, running: bool) -> None:
        for group in self.findChildren(QGroupBox):
            group.setEnabled(not running)

    # --- slots ---------------------------------------------------------------------------------

    def _on_optimizer_changed(self, index: int) -> None:
        key = self.optimizer.itemData(index)
        self.momentum.setEnabled(key == "sgd")
        self.lr.setText(f"{DEFAULT_LR[key]:g}")

    def _on_start_toggled(self, from_current: bool) -> None:
        """Fine-tuning keeps the current model's architecture and weights."""
        if from_current and self._current_spec:
            self.arch.set_spec(self._current_spec)
        self.arch.setEnabled(not from_current)
        self.init.setEnabled(not from_current)
        self.init_std.setEnabled(not from_current and self.init.currentIndex() == 1)
