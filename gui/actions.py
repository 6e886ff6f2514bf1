"""The window's actions: one table of names, texts, shortcuts and tips."""

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QWidget

# key, text, shortcuts, tip, checkable
ACTIONS = [
    ("open", "&Open model…", ["Ctrl+O"], "Open a LetterLens model file (.npz)", False),
    ("open_shipped", "Open s&hipped model", ["Ctrl+Shift+O"],
     "Go back to the model LetterLens comes with (Ctrl+Shift+O)", False),
    ("save", "&Save model as…", ["Ctrl+Shift+S"], "Save the current model to a file", False),
    ("export", "&Export drawing as PNG…", ["Ctrl+E"], "Save the drawing as an image", False),
    ("export_onnx", "Export model as O&NNX…", [], "Write the model as a standard ONNX graph, "
     "for other runtimes and for viewers such as Netron", False),
    ("my_samples", "&My samples…", ["Ctrl+Shift+M"], "See the letters you added, delete "
     "wrong ones or change their letter (Ctrl+Shift+M)", False),
    ("quit", "&Quit", ["Ctrl+Q"], "", False),
    ("undo", "Undo", ["Ctrl+Z"], "Undo the last stroke, erase or clear (Ctrl+Z)", False),
    ("redo", "Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo (Ctrl+Shift+Z)", False),
    ("clear", "Clear", ["Esc", "Delete"], "Clear the canvas (Esc or Delete)", False),
    ("pen", "Pen", ["P"], "Draw (P)", True),
    ("eraser", "Eraser", ["E"], "Erase whole strokes (E, or drag with the right button)", True),
    ("thinner", "Thinner pen", ["["], "", False),
    ("thicker", "Thicker pen", ["]"], "", False),
    ("reset_layout", "&Reset layout", [], "Put every panel back where it starts", False),
    ("shortcuts", "&Keyboard shortcuts", ["F1"], "", False),
    ("about", "&About LetterLens", [], "", False),
]


def create_actions(parent: QWidget) -> dict[str, QAction]:
    """Every action of ACTIONS, keyed by name; pen and eraser exclude each other."""
    actions = {}
    for key, text, shortcuts, tip, checkable in ACTIONS:
        action = QAction(text, parent)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        actions[key] = action
    actions["pen"].setChecked(True)
    group = QActionGroup(parent)
    group.addAction(actions["pen"])
    group.addAction(actions["eraser"])
    return actions


def create_menus(bar, actions: dict, docks, tab_actions) -> None:
    """File, Edit, View (a toggle per dock, the Step through chapters) and Help."""
    file_menu = bar.addMenu("&File")
    for key in ("open", "open_shipped", "save", "export", "export_onnx"):
        file_menu.addAction(actions[key])
    file_menu.addSeparator()
    file_menu.addAction(actions["my_samples"])
    file_menu.addSeparator()
    file_menu.addAction(actions["quit"])
    edit = bar.addMenu("&Edit")
    for key in ("undo", "redo", "clear"):
        edit.addAction(actions[key])
    edit.addSeparator()
    for key in ("pen", "eraser", "thinner", "thicker"):
        edit.addAction(actions[key])
    view = bar.addMenu("&View")
    for dock in docks:
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    view.addAction(actions["reset_layout"])
    view.addSeparator()
    view.addActions(tab_actions)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions["shortcuts"])
    help_menu.addAction(actions["about"])
