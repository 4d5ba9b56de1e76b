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


def pytest_sessionstart(session):
    if not DATA.is_dir():
        pytest.exit(f"shared test data not found at {DATA}: the tests run on the project's real photos, videos "
                    f"and annotations (clone the repo next to shared/, or set JETSON_POSE_SHARED=DIR); setup "
                    f"and demo work without it", returncode=2)


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def images() -> Path:
    return IMAGES
