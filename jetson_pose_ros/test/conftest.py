"""Test configuration: real data from ../shared beside the repository, models
installed (sha256-verified) from the mirror into a repo-local cache."""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_DIR = Path(__file__).resolve().parent
PKG_DIR = REPO / "jetson_pose_ros"          # the ROS package folder (holds the Python package)
SHARED = Path(os.environ.get("JETSON_POSE_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"
IMAGES = DATA / "jetson_inference" / "images"

os.environ.setdefault("MODEL_MIRROR", str(SHARED / "models"))
os.environ.setdefault("JETSON_POSE_MODELS", str(REPO / ".models"))
os.environ.setdefault("JETSON_POSE_FROM_SOURCE", "0")   # tests that install from PyPI/npm turn it on
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

HAVE_SHARED = DATA.is_dir()
try:
    import openvino  # noqa: F401  (optional backend)
    HAVE_OV = True
except ImportError:
    HAVE_OV = False
needs_ov = pytest.mark.skipif(not HAVE_OV, reason="openvino is not installed (pip install openvino)")
NO_SHARED = (f"needs the shared test data (photos, videos, annotations), not found at {DATA}: "
             "clone the repository next to shared/ or set JETSON_POSE_SHARED")


# Modules that run networks over many images, subprocesses of the CLI or several models each
# (over ~5 s a module on the 2-core CI machine): ``pytest -m "not slow and not ros"`` leaves them out
SLOW_MODULES = {
    "test_docs_examples", "test_backends", "test_video_io", "test_eval_bench", "test_source_install",
    "test_recordings", "test_cli", "test_robustness_cli", "test_tracking", "test_single_stage",
    "test_pipeline_parity", "test_posenet_images", "test_mediapipe", "test_paf_decoder", "test_robustness",
    "test_gestures_photos", "test_tta", "test_trt_pose_model",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "shared_data: the test reads ../shared/data (skipped where it is missing)")
    config.addinivalue_line("markers", "slow: runs networks over many images or CLI subprocesses (SLOW_MODULES)")
    config.addinivalue_line("markers", "ros: needs ROS 2 (rclpy, the node, launch): test/ros/, test/launch/ and every module that imports rclpy")


def pytest_collection_modifyitems(config, items):
    """Markers: ``slow`` for SLOW_MODULES, ``ros`` for test/ros/, test/launch/ and modules that
    import rclpy.  Tests that need nothing from ../shared (synthetic maps, messages, options, synthetic
    tracking) always run; tests marked ``shared_data`` skip, saying why, where it is missing."""
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module is not None else ""
        if name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        area = Path(str(item.fspath)).resolve().relative_to(TEST_DIR).parts[0]
        if area in ("ros", "launch") or (module is not None and "rclpy" in vars(module)):
            item.add_marker(pytest.mark.ros)
        if not HAVE_SHARED and item.get_closest_marker("shared_data"):
            item.add_marker(pytest.mark.skip(reason=NO_SHARED))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not HAVE_SHARED:
        pytest.skip(NO_SHARED)
    return SHARED


@pytest.fixture(scope="session")
def images(shared) -> Path:
    return IMAGES


@pytest.fixture(scope="module")
def ros():
    """rclpy initialised for one test module (the ROS tests' nodes and test publishers)."""
    import rclpy

    rclpy.init()
    yield
    rclpy.try_shutdown()
