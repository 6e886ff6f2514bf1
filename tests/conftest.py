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
