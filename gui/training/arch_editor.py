"""A small editor for the network's shape: conv blocks and fully connected widths.

Each conv block is conv (filters, kernel, stride, padding) -> ReLU -> optional 2x2 max pool;
then flatten, the hidden fully connected layers with ReLU, and the 26-way output. The editor
shows every layer's output shape and the parameter count as you type.
"""

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn.functional import out_size
from cnn.model import INPUT_SHAPE, MAX_ACTIVATION, MAX_PARAMETERS, NUM_CLASSES, PRESETS

MAX_BLOCKS = 4
_FIELDS = (("filters", 1, 256), ("kernel", 1, 9), ("stride", 1, 4), ("padding", 0, 4))
_FIELD_TIPS = {
    "filters": "Kernels in this block: each makes one feature map",
    "kernel": "Each kernel's size, k×k pixels",
    "stride": "How far the kernel moves between outputs (2 halves the map)",
    "padding": "Zeros added around the input, so edge pixels get whole windows",
}


def blocks_of(spec: list[dict]) -> tuple[list[dict], list[int]]:
    """(conv blocks, hidden widths) of a spec in conv_net_spec's pattern."""
    blocks, hidden = [], []
    for i, e in enumerate(spec):
        if e["type"] == "conv2d":
            pool = i + 2 < len(spec) and spec[i + 2]["type"] == "maxpool2d"
            blocks.append({"filters": e["out_channels"], "kernel": e["kernel_size"],
                           "stride": e.get("stride", 1), "padding": e.get("padding", 0),
                           "pool": pool})
        elif e["type"] == "linear":
            hidden.append(e["out_features"])
    return blocks, hidden[:-1]


def spec_of(blocks: list[dict], hidden: list[int]) -> list[dict]:
    """The architecture spec for conv blocks and hidden widths (names are added by build)."""
    spec = []
    for b in blocks:
        spec += [{"type": "conv2d", "out_channels": b["filters"], "kernel_size": b["kernel"],
                  "stride": b["stride"], "padding": b["padding"]}, {"type": "relu"}]
        if b.get("pool", True):
            spec.append({"type": "maxpool2d", "kernel_size": 2, "stride": 2})
    spec.append({"type": "flatten"})
    for h in hidden:
        spec += [{"type": "linear", "out_features": h}, {"type": "relu"}]
    spec.append({"type": "linear", "out_features": NUM_CLASSES})
    return spec


def describe(spec: list[dict]) -> tuple[list[tuple[str, tuple]], int]:
    """([(layer name, output shape)], parameter count), without building the model.

    Raises ValueError naming the layer that does not fit, or when the model is larger than
    LetterLens builds (the limits `build_model` enforces), before Start can ask for gigabytes.
    """
    shape, params, out, counts = tuple(INPUT_SHAPE), 0, [], {}
    for e in spec:
        kind = e["type"]
        prefix = {"conv2d": "conv", "maxpool2d": "pool", "linear": "fc"}.get(kind, kind)
        counts[prefix] = counts.get(prefix, 0) + 1
        name = e.get("name") or (prefix if kind == "flatten" else f"{prefix}{counts[prefix]}")
        if kind == "conv2d":
            c, h, w = shape
            k, s, p = e["kernel_size"], e.get("stride", 1), e.get("padding", 0)
            ho, wo = out_size(h, k, s, p), out_size(w, k, s, p)
            if ho < 1 or wo < 1:
                raise ValueError(f"{name}: a {k}x{k} kernel does not fit {h}x{w}")
            params += e["out_channels"] * (c * k * k + 1)
            shape = (e["out_channels"], ho, wo)
        elif kind == "maxpool2d":
            c, h, w = shape
            k, s = e["kernel_size"], e.get("stride", e["kernel_size"])
            if out_size(h, k, s) < 1:
                raise ValueError(f"{name}: a {k}x{k} pool does not fit {h}x{w}")
            shape = (c, out_size(h, k, s), out_size(w, k, s))
        elif kind == "flatten":
            shape = (int(shape[0] * shape[1] * shape[2]),)
        elif kind == "linear":
            params += e["out_features"] * (shape[0] + 1)
            shape = (e["out_features"],)
        if params > MAX_PARAMETERS:
            raise ValueError(f"{name}: {params:,} parameters so far, more than the "
                             f"{MAX_PARAMETERS:,} LetterLens trains; use fewer filters or "
                             "narrower layers")
        if math.prod(shape) > MAX_ACTIVATION:
            raise ValueError(f"{name}: {math.prod(shape):,} values per letter, more than the "
                             f"{MAX_ACTIVATION:,} LetterLens allows; use fewer filters or a "
                             "stride")
        out.append((name, shape))
    return out, params


def preset_named(spec: list[dict]) -> str | None:
    for name, preset in PRESETS.items():
        if preset == spec:
            return name
    return None


class ArchEditor(QWidget):
    """Preset picker plus conv-block rows and hidden widths; `spec()` gives the result."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._updating = False
        # A loaded model's spec the rows cannot show as it is (a 3×3 pool, a fifth block, a
        # conv without ReLU): what spec() gives until the person edits a row or picks a preset.
        self._exact: list[dict] | None = None
        self.preset = QComboBox()
        self.preset.addItems([*PRESETS, "custom"])
        self.preset.setToolTip("A preset architecture, or 'custom' once you edit the layers")
        self.preset.currentTextChanged.connect(self._on_preset_changed)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(4)
        self._grid.setVerticalSpacing(2)
        for col, text in enumerate(["", "filters", "kernel", "stride", "pad", "pool", ""]):
            label = QLabel(text)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._grid.addWidget(label, 0, col)
        self._rows: list[dict] = []
        for i in range(MAX_BLOCKS):
            self._rows.append(self._make_row(i))
        self.add_button = QPushButton("+ conv block")
        self.add_button.setToolTip("Add a convolution → ReLU (→ max pooling) block after the "
                                   "last one")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.hidden = QLineEdit()
        self.hidden.setPlaceholderText("e.g. 128 or 256, 64 (empty: none)")
        self.hidden.setToolTip("Widths of the hidden fully connected layers, comma-separated")
        self.hidden.textChanged.connect(self._on_edited)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setObjectName("archSummary")

        top = QHBoxLayout()
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.preset, 1)
        fc = QHBoxLayout()
        fc.addWidget(QLabel("Hidden FC"))
        fc.addWidget(self.hidden, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self._grid)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(fc)
        layout.addWidget(self.summary)
        self.set_spec(PRESETS["default"])

    def _make_row(self, i: int) -> dict:
        row = {"label": QLabel(f"conv{i + 1}"), "used": False}
        self._grid.addWidget(row["label"], i + 1, 0)
        for col, (name, lo, hi) in enumerate(_FIELDS, start=1):
            spin = QSpinBox()
            spin.setRange(lo, hi)
            spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
            spin.setMinimumWidth(40)
            spin.setToolTip(_FIELD_TIPS[name])
            spin.valueChanged.connect(self._on_edited)
            row[name] = spin
            self._grid.addWidget(spin, i + 1, col)
        row["pool"] = QCheckBox()
        row["pool"].setToolTip("2x2 max pooling after this block's ReLU")
        row["pool"].toggled.connect(self._on_edited)
        self._grid.addWidget(row["pool"], i + 1, 5)
        remove = QPushButton("×")
        remove.setFixedWidth(24)
        remove.setToolTip("Remove this conv block")
        remove.clicked.connect(lambda _=False, i=i: self._remove(i))
        row["remove"] = remove
        self._grid.addWidget(remove, i + 1, 6)
        return row

    # --- state ---------------------------------------------------------------------------------

    def _blocks(self) -> list[dict]:
        return [{k: r[k].value() for k, *_ in _FIELDS} | {"pool": r["pool"].isChecked()}
                for r in self._rows if r["used"]]

    def _hidden(self) -> list[int]:
        text = self.hidden.text().replace(";", ",")
        try:
            widths = [int(t) for t in text.split(",") if t.strip()]
        except ValueError:
            raise ValueError("hidden widths must be whole numbers, e.g. 128 or 256, 64") from None
        if any(w < 1 for w in widths):
            raise ValueError("hidden widths must be at least 1 (leave the field empty for none)")
        return widths

    def spec(self) -> list[dict]:
        """The architecture being edited; raises ValueError when it does not fit together."""
        spec = self._exact or spec_of(self._blocks(), self._hidden())
        describe(spec)
        return spec

    def arch(self) -> str | list[dict]:
        """A preset's name when the spec is one, else the spec."""
        spec = self.spec()
        return preset_named(spec) or spec

    def set_spec(self, spec: list[dict]) -> None:
        """Show a spec (from a preset or a loaded model); shapes refresh at once."""
        spec = [{k: v for k, v in e.items() if k not in ("name", "in_channels", "in_features")}
                for e in spec]
        blocks, hidden = blocks_of(spec)
        shown = spec_of(blocks[:MAX_BLOCKS], hidden)
        self._exact = None if shown == spec else spec
        self._updating = True
        for i, r in enumerate(self._rows):
            r["used"] = i < len(blocks)
            if r["used"]:
                b = blocks[i]
                for k, *_ in _FIELDS:
                    r[k].setValue(int(b[k]))
                r["pool"].setChecked(bool(b["pool"]))
            for k in ("label", *(f for f, *_ in _FIELDS), "pool", "remove"):
                r[k].setVisible(r["used"])
        self.hidden.setText(", ".join(map(str, hidden)))
        self.preset.setCurrentText(preset_named(spec) or "custom")
        self._updating = False
        self._refresh()

    def _refresh(self) -> None:
        used = sum(r["used"] for r in self._rows)
        self.add_button.setEnabled(used < MAX_BLOCKS and self.isEnabled())
        try:
            layers, params = describe(self.spec())
        except ValueError as e:
            self.summary.setText(f"<span style='color:#e06c6c'>{e}</span>")
            return
        chain = " → ".join(f"{n} {'×'.join(map(str, s))}" for n, s in layers
                           if not n.startswith("relu"))
        note = ("<br>(layers the rows above cannot show: edit a row to build from the rows)"
                if self._exact else "")
        self.summary.setText(f"<b>{params:,} parameters</b><br>input 1×28×28 → {chain}{note}")

    # --- slots ---------------------------------------------------------------------------------

    def _on_preset_changed(self, name: str) -> None:
        if not self._updating and name in PRESETS:
            self.set_spec(PRESETS[name])
            self.changed.emit()

    def _on_edited(self, *_) -> None:
        if self._updating:
            return
        self._exact = None
        try:
            name = preset_named(self.spec()) or "custom"
        except ValueError:
            name = "custom"
        self._updating = True
        self.preset.setCurrentText(name)
        self._updating = False
        self._refresh()
        self.changed.emit()

    def _on_add_clicked(self) -> None:
        blocks = self._blocks()
        last = blocks[-1] if blocks else {"filters": 16, "kernel": 3, "stride": 1,
                                          "padding": 1, "pool": True}
        blocks.append({**last, "filters": min(last["filters"] * 2, 256)})
        self.set_spec(spec_of(blocks, self._safe_hidden()))
        self.changed.emit()

    def _remove(self, i: int) -> None:
        blocks = self._blocks()
        used = [j for j, r in enumerate(self._rows) if r["used"]]
        if i in used:
            del blocks[used.index(i)]
        self.set_spec(spec_of(blocks, self._safe_hidden()))
        self.changed.emit()

    def _safe_hidden(self) -> list[int]:
        try:
            return self._hidden()
        except ValueError:
            return []

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == event.Type.EnabledChange:
            self._refresh()
