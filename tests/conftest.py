import os
from pathlib import Path

# Before any Qt import: the tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data():
    """The real handwriting beside the checkout; skips the test when it is absent."""
    if not (SHARED_DATA / "chars74k_hnd.npz").exists():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def user_folders(tmp_path, monkeypatch):
    """Every test gets its own user folders: none reads or writes the user's."""
    for kind in ("data", "cache", "config", "log"):
        monkeypatch.setenv(f"LETTERLENS_{kind.upper()}_DIR", str(tmp_path / kind))
    return tmp_path
