"""Texts for the Help menu: the keyboard shortcuts and the model's card."""

from html import escape
from pathlib import Path

from cnn.model import Sequential
from gui.untrusted import count, elide, entries, fraction, mapping, text_field

SHORTCUTS = [
    ("Left button / pen", "draw"),
    ("Right button / pen eraser", "erase whole strokes"),
    ("P, E", "pen, eraser"),
    ("[ and ]", "thinner, thicker pen"),
    ("Ctrl+Z", "undo the last stroke, erase or clear"),
    ("Ctrl+Shift+Z, Ctrl+Y", "redo"),
    ("Esc, Delete", "clear the canvas (Esc in Feature maps: close the map)"),
    ("Shift+A … Shift+Z", "label the drawing for the teach bar (plain letters while the "
     "bar has focus)"),
    ("Ctrl+O", "open a model"),
    ("Ctrl+Shift+O", "open the shipped model again"),
    ("Ctrl+Shift+S", "save the model as"),
    ("Ctrl+E", "export the drawing as PNG"),
    ("Ctrl+Shift+M", "my samples: see, delete or relabel the letters you added"),
    ("Arrows, Enter", "Feature maps, after Tab: pick a map, enlarge it"),
    ("Shift+Enter, Menu", "Feature maps: step through the map, its menu"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "the Draw, Train and Step through tabs"),
    ("Space", "Step through: play / pause the sliding window"),
    ("Right, Left, Home", "Step through: one stop on, one back, back to the first"),
    ("Page Down, Page Up", "Step through: next, previous chapter"),
    ("Ctrl++, Ctrl+-, Ctrl+0", "Step through: larger (Ctrl+= too), smaller number squares, "
     "the whole grid (or Ctrl+wheel)"),
    ("F1", "this list"),
    ("Ctrl+Q", "quit"),
]


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>"
                   for k, v in SHORTCUTS)
    return (f"<table>{rows}</table><p>Click a feature map to enlarge it (or Enter, Space on "
            "the current one; Home, End: a layer's first, last; Shift+F10: the menu); hover a "
            "pixel for its value and the input pixels it can see.</p>")


def _layers_html(model: Sequential) -> str:
    shapes = model.output_shapes()
    rows = []
    for name, layer in model.layers:
        args = ", ".join(f"{k} {v}" for k, v in layer.config().items()
                         if k not in ("type", "in_channels", "in_features"))
        out = "×".join(map(str, shapes[name]))
        rows.append(f"<tr><td>{escape(name)}&nbsp;</td><td>{escape(layer.kind)} "
                    f"{escape(args)}&nbsp;</td><td>→ {out}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _data_text(meta: dict) -> str | None:
    """'synthetic (26,000), chars74k (3,410)' from the data a model was trained on."""
    data = mapping(meta, "data")
    parts = [f"{elide(k, 40)} ({v:,})" for k, v in list(data.items())[:20]
             if isinstance(v, int) and not isinstance(v, bool)]
    return ", ".join(parts) or text_field(meta, "data") or None


def validation_accuracy(meta: dict) -> tuple[str, str | None]:
    """('91.5%' or '—', what changed the weights since it was measured: 'teaching',
    'fine-tuning' or None), as the status bar and the model's card say it."""
    acc = fraction(meta, "val_accuracy")
    change = meta.get("changed_since_validation") if isinstance(meta, dict) else None
    stale = change if acc is not None and change in ("teaching", "fine-tuning") else None
    return ("—" if acc is None else f"{acc:.1%}"), stale


def model_card_html(model: Sequential, meta: dict, name: str, path: Path | None) -> str:
    """The model's card: what it is, how it was trained and validated, its layers. Every value
    from the file is type-checked, shortened and escaped: the card is text, whatever it says."""
    acc, stale = validation_accuracy(meta)
    epochs = len(entries(meta, "history")) or count(meta, "epochs")
    facts = [
        ("Model", elide(name)),
        ("File", elide(path, 300) if path else "not saved (built in memory)"),
        ("Parameters", f"{model.num_parameters():,}"),
        ("Validation accuracy", acc + (f" (before {stale})" if stale else "")),
        ("Validation", text_field(meta, "validation")),
        ("Trained on", _data_text(meta)),
        ("Created", text_field(meta, "created", limit=40)),
        ("Epochs", epochs or None),
    ]
    rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(str(v))}</td></tr>"
                   for k, v in facts if v not in (None, ""))
    return ("<p><b>LetterLens</b>: draw a letter and watch a convolutional network, written "
            "from scratch in NumPy, read it layer by layer.</p>"
            f"<table>{rows}</table><p><b>Layers</b></p>{_layers_html(model)}")
