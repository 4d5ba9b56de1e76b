"""Test configuration: real data from ../shared beside the repository, models
installed (sha256-verified) from the mirror into a repo-local cache."""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("JETSON_POSE_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"
IMAGES = DATA / "jetson_inference" / "images"

os.environ.setdefault("MODEL_MIRROR", str(SHARED / "models"))
os.environ.setdefault("JETSON_POSE_MODELS", str(REPO / ".models"))
os.environ.setdefault("JETSON_POSE_FROM_SOURCE", "0")   # tests that install from PyPI/npm turn it on
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

HAVE_SHARED = DATA.is_dir()
NO_SHARED = (f"needs the shared test data (photos, videos, annotations), not found at {DATA}: "
             "clone the repository next to shared/ or set JETSON_POSE_SHARED")


def pytest_configure(config):
    config.addinivalue_line("markers", "shared_data: the test reads ../shared/data (skipped where it is missing)")


def pytest_collection_modifyitems(config, items):
    """Tests that need nothing from ../shared (synthetic maps, messages, options, synthetic
    tracking) always run; tests marked ``shared_data`` skip, saying why, where it is missing."""
    if HAVE_SHARED:
        return
    for item in items:
        if item.get_closest_marker("shared_data"):
            item.add_marker(pytest.mark.skip(reason=NO_SHARED))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not HAVE_SHARED:
        pytest.skip(NO_SHARED)
    return SHARED


@pytest.fixture(scope="session")
def images(shared) -> Path:
    return IMAGES
