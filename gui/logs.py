"""The app's log: every caught exception with its traceback, in a rotating file in the user's
log folder and on stderr, so an error message can point to the details.

Set up once at start-up (`setup()`); until then (and in tests that do not call it) records go
wherever Python's logging sends them. A folder that cannot be written leaves stderr only.
"""

import logging
import logging.handlers
import sys
from pathlib import Path

from cnn.paths import log_dir

LOGGERS = ("gui", "cnn")  # the app's own: third-party libraries keep their own settings
MAX_BYTES, BACKUPS = 1_000_000, 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_handlers: list[logging.Handler] = []
_path: Path | None = None


def default_path() -> Path:
    return log_dir() / "letterlens.log"


def setup(path: Path | None = None, stderr: bool = True) -> Path | None:
    """Log to `path` (default: the data folder's logs/letterlens.log) and stderr; returns the
    file in use, None when it could not be opened. Calling it again replaces the handlers."""
    global _path
    shutdown()
    path = default_path() if path is None else Path(path)
    formatter = logging.Formatter(_FORMAT)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as e:
        handler, _path = None, None
        print(f"letterlens: no log file ({path}: {e.strerror or e}); logging to stderr only",
              file=sys.stderr)
    else:
        _path = path
        handler.setFormatter(formatter)
        _handlers.append(handler)
    if stderr:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(formatter)
        console.setLevel(logging.WARNING)
        _handlers.append(console)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        for h in _handlers:
            logger.addHandler(h)
    return _path


def shutdown() -> None:
    """Close and detach what `setup` added (tests; the next `setup`)."""
    global _path
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for h in _handlers:
            logger.removeHandler(h)
    for h in _handlers:
        h.close()
    _handlers.clear()
    _path = None


def log_path() -> Path | None:
    """The log file in use, None before `setup` or when it could not be opened."""
    return _path


def hint() -> str:
    """A sentence for error messages: where the details are, or '' without a log file."""
    return f"The details are in the log: {_path}" if _path is not None else ""


def with_hint(text: str) -> str:
    """`text` followed by the log hint on a line of its own (when there is a log file)."""
    h = hint()
    return f"{text}\n\n{h}" if h else text
