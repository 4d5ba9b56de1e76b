"""Where the shared data is: ``$JETSON_POSE_SHARED``, else ``shared/`` beside the repository."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared() -> Path:
    """The shared folder (it may not exist: ``available()`` says)."""
    env = os.environ.get("JETSON_POSE_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def data(*parts: str) -> Path:
    return shared().joinpath("data", *parts)


def photos() -> Path:
    """The 15 jetson-inference sample photos."""
    return data("jetson_inference", "images")


def available() -> bool:
    return photos().is_dir()


def use_model_mirror() -> None:
    """Model files from the shared mirror unless the caller chose another."""
    os.environ.setdefault("MODEL_MIRROR", str(shared() / "models"))
