"""Hand signs end to end on real photos (issue 23): the real mediapipe-hand network on every 3rd
rps_photos_dev photo of each class (rock -> closed_fist, paper -> open_palm, scissors -> victory);
>= 0.90 of the photos where a hand is found get the right label.  tools/gestures_eval.py runs all."""
import numpy as np
import pytest
from conftest import SHARED

from jetson_pose_ros.gestures import datasets as ds
from jetson_pose_ros.gestures.hand import classify_hand_gestures

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it
PHOTOS = SHARED / "data" / "gestures" / "rps_photos_dev"


@pytest.fixture(scope="module")
def hand_net():
    if not PHOTOS.is_dir():
        pytest.skip(f"the gesture photos are not at {PHOTOS}")
    from jetson_pose_ros.posenet import PoseNet
    return PoseNet("mediapipe-hand")


@pytest.mark.parametrize("folder", list(ds.PHOTO_MAP))
def test_photos_end_to_end(hand_net, folder):
    import cv2
    want = ds.PHOTO_MAP[folder]
    files = sorted((PHOTOS / folder).glob("*.png"))[::3]
    hands = []
    for f in files:
        frame = hand_net.infer(cv2.imread(str(f), cv2.IMREAD_COLOR))
        if len(frame):
            hands.append(frame.xy[int(np.argmax(frame.pose_scores))])
    assert len(hands) >= 0.8 * len(files), f"a hand in only {len(hands)} of {len(files)} photos"
    labels = np.array(classify_hand_gestures(np.stack(hands))[0])     # all hands in one batch
    assert (labels == want).mean() >= 0.9, dict(zip(*np.unique(labels, return_counts=True)))
