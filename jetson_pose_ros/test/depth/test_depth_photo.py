"""A real photo through the real default network, lifted with a synthetic depth plane at 2.000 m and
a known K: every found keypoint lies on the plane where the pinhole model puts it."""
import cv2
import numpy as np
import pytest

from jetson_pose_ros.depth import DepthSettings, Intrinsics, depth_to_metres, person_positions, with_xyz
from jetson_pose_ros.posenet import PoseNet

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

PLANE_M = 2.000


@pytest.fixture(scope="module")
def frame(images):
    image = cv2.imread(str(images / "humans_1.jpg"))
    assert image is not None
    return PoseNet().infer(image)                      # the registry's default network


@pytest.mark.parametrize("encoding", ["16UC1", "32FC1"])
@pytest.mark.parametrize("depth_scale", [1.0, 0.5])
def test_photo_on_a_depth_plane(frame, encoding, depth_scale):
    w, h = frame.image_size
    found = frame.found
    assert len(frame) >= 2 and found.sum() >= 20       # the photo has people the network finds
    k = Intrinsics.from_values(0.9 * w, 0.88 * w, w / 2 + 7.3, h / 2 - 4.1, w, h)
    dw, dh = round(w * depth_scale), round(h * depth_scale)
    plane = (np.full((dh, dw), 2000, np.uint16) if encoding == "16UC1"
             else np.full((dh, dw), PLANE_M, np.float32))
    out = with_xyz(frame, depth_to_metres(plane, encoding), k.scaled(dw, dh), DepthSettings())
    xyz = out.xyz[found]
    assert np.isfinite(xyz).all()
    np.testing.assert_allclose(xyz[:, 2], PLANE_M, atol=0.005)
    u, v = frame.xy[found].T
    # the pinhole model, written out: x = z (u - cx) / fx, y = z (v - cy) / fy
    np.testing.assert_allclose(xyz[:, 0], xyz[:, 2] * (u - k.cx) / k.fx, atol=1e-5)
    np.testing.assert_allclose(xyz[:, 1], xyz[:, 2] * (v - k.cy) / k.fy, atol=1e-5)
    assert np.isnan(out.xyz[~found]).all()
    pos = person_positions(out.xyz, out.keypoint_names)
    np.testing.assert_allclose(pos[:, 2], PLANE_M, atol=0.005)
