"""Texts for the Help menu: the keyboard shortcuts and the model's card."""

from html import escape
from pathlib import Path

from cnn.model import Sequential

SHORTCUTS = [
    ("Left button / pen", "draw"),
    ("Right button / pen eraser", "erase whole strokes"),
    ("P, E", "pen, eraser"),
    ("[ and ]", "thinner, thicker pen"),
    ("Ctrl+Z", "undo the last stroke, erase or clear"),
    ("Ctrl+Shift+Z, Ctrl+Y", "redo"),
    ("Esc, Delete", "clear the canvas"),
    ("Shift+A … Shift+Z", "label the drawing for the teach bar (plain letters while the "
     "bar has focus)"),
    ("Ctrl+O", "open a model"),
    ("Ctrl+Shift+O", "open the shipped model again"),
    ("Ctrl+Shift+S", "save the model as"),
    ("Ctrl+E", "export the drawing as PNG"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "the Draw, Train and Step through tabs"),
    ("Space", "Step through: play / pause the sliding window"),
    ("Right, Left, Home", "Step through: one stop on, one back, back to the first"),
    ("Page Down, Page Up", "Step through: next, previous chapter"),
    ("F1", "this list"),
    ("Ctrl+Q", "quit"),
]


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>"
                   for k, v in SHORTCUTS)
    return (f"<table>{rows}</table><p>Click a feature map to enlarge it; hover a pixel for "
            "its value and the input pixels it can see.</p>")


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


def model_card_html(model: Sequential, meta: dict, name: str, path: Path | None) -> str:
    """The model's card: what it is, how it was trained and validated, its layers."""
    acc = meta.get("val_accuracy")
    facts = [
        ("Model", name),
        ("File", str(path) if path else "not saved (built in memory)"),
        ("Parameters", f"{model.num_parameters():,}"),
        ("Validation accuracy", "—" if acc is None else f"{float(acc):.1%}"),
        ("Validation", meta.get("validation")),
        ("Trained on", ", ".join(f"{k} ({v:,})" for k, v in meta.get("data", {}).items())
         if isinstance(meta.get("data"), dict) else meta.get("data")),
        ("Created", meta.get("created")),
        ("Epochs", len(meta["history"]) if meta.get("history") else None),
    ]
    rows = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(str(v))}</td></tr>"
                   for k, v in facts if v not in (None, ""))
    return ("<p><b>LetterLens</b>: draw a letter and watch a convolutional network, written "
            "from scratch in NumPy, read it layer by layer.</p>"
            f"<table>{rows}</table><p><b>Layers</b></p>{_layers_html(model)}")
