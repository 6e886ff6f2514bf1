"""What a file says, made safe to show: metadata fields read with their types checked (a
default for anything odd), and names turned into short plain text.

A model may come from anywhere (a file, a run, the teach bar), so the window reads its
metadata only through these; none of them raises for any value JSON can hold.
"""

import math
import numbers
import re
from html import escape

NAME_CHARS = 60  # a name in the status bar, a label, a message
TOOLTIP_CHARS = 1000  # the full name in a tooltip, up to this
TEXT_CHARS = 200  # other metadata strings (dates, validation notes)
MESSAGE_CHARS = 2000  # a whole message that quotes a file's contents or an error
ELLIPSIS = "…"


def one_line(text: str) -> str:
    """Control characters and line breaks as spaces: a name stays on one line."""
    return "".join(c if c.isprintable() else " " for c in text)


def elide(text, limit: int = NAME_CHARS) -> str:
    """`text` as one plain line of at most `limit` characters (an ellipsis marks a cut)."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit - 1] + ELLIPSIS
    return one_line(text)


def cap(text, limit: int = MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters (line breaks kept), for a message box."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS


def tooltip(text, limit: int = TOOLTIP_CHARS) -> str:
    """A tooltip showing `text` literally: Qt would render a tooltip with tags as rich text."""
    return f"<qt>{escape(cap(text, limit))}</qt>"


def text_field(meta, key: str, default: str = "", limit: int = TEXT_CHARS) -> str:
    """meta[key] when it is a non-empty string (elided to `limit`), else `default`."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return elide(value, limit) if isinstance(value, str) and value.strip() else default


def name_of(meta, default: str = "model") -> str:
    """The model's name from its metadata, elided to NAME_CHARS; `default` when missing or odd."""
    return text_field(meta, "name", default, NAME_CHARS)


def full_name(meta, default: str = "") -> str:
    """The name as written (capped at TOOLTIP_CHARS), for tooltips and saving."""
    value = meta.get("name") if isinstance(meta, dict) else None
    return cap(value, TOOLTIP_CHARS) if isinstance(value, str) and value.strip() else default


def file_stem(name: str, default: str) -> str:
    """`name` (from a file, maybe) as a safe file name without its suffix, `default` when
    nothing of it is left."""
    return re.sub(r"[^\w.-]+", "-", name.strip())[:60].strip(".-") or default


def fraction(meta, key: str) -> float | None:
    """meta[key] when it is a finite number in [0, 1] (an accuracy), else None."""
    value = meta.get(key) if isinstance(meta, dict) else None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


def count(meta, key: str, default: int = 0) -> int:
    """meta[key] when it is a whole number >= 0 (an int, or a float like 3.0), else `default`."""
    value = meta.get(key) if isinstance(meta, dict) else None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return default
    if isinstance(value, numbers.Integral):
        return int(value) if value >= 0 else default
    v = float(value)
    return int(v) if math.isfinite(v) and v.is_integer() and 0 <= v < 2**53 else default


def entries(meta, key: str) -> list[dict]:
    """The dicts in the list meta[key] (others dropped); [] when it is not a list."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return [dict(e) for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def mapping(meta, key: str) -> dict:
    """meta[key] when it is a dict, else {}."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def as_meta(meta) -> dict:
    """A copy of `meta` when it is a dict, else {}: what a model arriving from elsewhere says."""
    return dict(meta) if isinstance(meta, dict) else {}
