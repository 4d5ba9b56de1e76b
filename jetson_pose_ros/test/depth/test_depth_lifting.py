"""Keypoints in 3D from synthetic depth scenes: known 3D keypoints rendered as planar patches (with
holes, noise and no-return pixels) into 16UC1 / 32FC1 depth images, lifted back."""
import cv2
import numpy as np
import pytest

from depth_scenes import COLOUR, K, encode, make_scene, render
from jetson_pose_ros.depth import (DepthSettings, Intrinsics, decode_depth, depth_to_metres, lift_keypoints,
                                   person_positions, window_median, with_xyz)
from jetson_pose_ros.core.errors import InputError, PoseNetError
from jetson_pose_ros.core.pose import PoseFrame

ENCODINGS = ("16UC1", "mono16", "32FC1")
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
         "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
         "right_knee", "left_ankle", "right_ankle"]


def lifted(scene, size=COLOUR, encoding="16UC1", intrinsics=K, **render_kw):
    """Lifted from the image as published (``decode_depth``: scaled per window) and, the same,
    from the whole image in metres."""
    image = encode(render(scene, size, **render_kw), encoding)
    out = lift_keypoints(scene.xy, decode_depth(image, encoding), intrinsics, COLOUR)
    np.testing.assert_array_equal(out, lift_keypoints(scene.xy, depth_to_metres(image, encoding), intrinsics, COLOUR))
    return out


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_trip_within_1mm_and_holes_nan(encoding, seed):
    scene = make_scene(seed)
    xyz = lifted(scene, encoding=encoding)
    valid = np.isfinite(scene.xy[..., 0]) & ~scene.holes
    assert valid.sum() >= 30 and scene.holes.sum() >= 1          # the scene has both kinds
    err = np.linalg.norm(xyz[valid] - scene.xyz[valid], axis=-1)
    assert np.isfinite(err).all()
    assert err.max() <= 0.001, f"max error {err.max() * 1e3:.3f} mm"
    # holes and keypoints not found: NaN in all three coordinates, never a point at the origin
    unknown = ~valid
    assert np.isnan(xyz[unknown]).all()
    assert not (np.abs(xyz) < 1e-6).all(axis=-1).any()


@pytest.mark.parametrize("encoding", ["16UC1", "32FC1"])
def test_half_size_depth_same_within_1cm(encoding):
    scene = make_scene(3)
    full, half = lifted(scene, encoding=encoding), lifted(scene, (320, 240), encoding=encoding)
    valid = np.isfinite(full[..., 2])
    assert valid.sum() >= 40
    assert np.array_equal(valid, np.isfinite(half[..., 2]))
    assert np.abs(half[valid] - full[valid]).max() <= 0.01
    assert np.abs(half[valid] - scene.xyz[valid]).max() <= 0.01


def test_intrinsics_of_the_depth_size_scaled_to_colour():
    """camera_info of a half-size depth image (its own K) gives the same points as the colour K."""
    scene = make_scene(4)
    half_k = K.scaled(320, 240)
    assert half_k.cx == pytest.approx((K.cx + 0.5) / 2 - 0.5)
    a, b = lifted(scene, (320, 240), intrinsics=K), lifted(scene, (320, 240), intrinsics=half_k)
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_partial_holes_use_the_valid_depths_only():
    """A window whose centre and most pixels have no return (0) still gives the patch depth; one
    read pixel (yolo_ros) would give z = 0, a point at the origin."""
    depth = np.full((100, 100), 2.5, np.float32)
    depth[48:53, 48:53] = 0.0                       # 25 zero pixels around (50, 50)
    depth[50, 52] = np.nan
    z, count = window_median(depth, [[50.0, 50.0]], window=7)
    assert count[0] == 7 * 7 - 25 and z[0] == pytest.approx(2.5)
    z, count = window_median(depth, [[50.0, 50.0]], window=5)
    assert count[0] == 0 and np.isnan(z[0])


def test_median_rejects_background_minority():
    depth = np.full((20, 20), 1.2, np.float32)
    depth[8:13, 8:10] = 7.0                           # 10 of 25 pixels on the background
    z, _ = window_median(depth, [[10.2, 9.8]], window=5)
    assert z[0] == pytest.approx(1.2)


def test_depth_range_limits():
    depth = np.full((50, 50), 3.0, np.float32)
    depth[:, 25:] = 0.05                              # too near
    xy = np.array([[[10.0, 10.0], [40.0, 10.0]]])
    k = Intrinsics.from_values(50, 50, 24.5, 24.5, 50, 50)
    out = lift_keypoints(xy, depth, k, (50, 50), DepthSettings(window=3, min_depth=0.1, max_depth=10))
    assert out[0, 0, 2] == pytest.approx(3.0) and np.isnan(out[0, 1]).all()
    out = lift_keypoints(xy, depth, k, (50, 50), DepthSettings(window=3, min_depth=0.01, max_depth=2.5))
    assert np.isnan(out[0, 0]).all() and out[0, 1, 2] == pytest.approx(0.05)


def test_border_and_outside_keypoints():
    depth = np.full((40, 60), 1.5, np.float32)
    k = Intrinsics.from_values(50, 50, 29.5, 19.5, 60, 40)
    xy = np.array([[[0.0, 0.0], [59.4, 39.4], [-3.0, 10.0], [10.0, 40.6]]])
    out = lift_keypoints(xy, depth, k, (60, 40))
    assert np.allclose(out[0, :2, 2], 1.5)            # clipped windows at the corners still valid
    assert np.isnan(out[0, 2:]).all()                 # centres outside the depth image


def test_settings_checked_in_one_place():
    for bad in ({"window": 4}, {"window": 0}, {"window": 2.5}, {"min_depth": -1}, {"max_depth": float("nan")},
                {"min_depth": 3, "max_depth": 2}, {"max_depth": "far"}):
        with pytest.raises(PoseNetError):
            DepthSettings(**bad)


def test_aspect_mismatch_is_an_error():
    with pytest.raises(InputError, match="aspect"):
        lift_keypoints(np.zeros((1, 1, 2)), np.ones((360, 640), np.float32), K, COLOUR)


# --- distortion --------------------------------------------------------------------------------
DISTORTIONS = [
    ("plumb_bob", [0.12, -0.28, 0.0012, -0.0009, 0.09]),
    ("rational_polynomial", [0.35, -0.12, 0.001, 0.002, 0.01, 0.25, -0.06, 0.02]),
    ("equidistant", [0.06, -0.02, 0.01, -0.004]),
]


@pytest.mark.parametrize("model,d", DISTORTIONS)
def test_distortion_models(model, d):
    """Keypoints at the distorted pixels of known 3D points (cv2 projection): lifting with the
    model recovers them within 1 mm; ignoring the distortion misses by centimetres."""
    info = {"k": [600.0, 0, 322.3, 0, 610.0, 236.8, 0, 0, 1], "d": d, "distortion_model": model,
            "width": 640, "height": 480}
    k = Intrinsics.from_camera_info(info)
    scene = make_scene(5, tilted=0.0, holes=0.0, missing=0.0)
    pts = scene.xyz.reshape(-1, 3)
    if model == "equidistant":
        uv, _ = cv2.fisheye.projectPoints(pts.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), k.matrix, np.array(d))
    else:
        uv, _ = cv2.projectPoints(pts, np.zeros(3), np.zeros(3), k.matrix, np.array(d))
    scene.xy = uv.reshape(scene.xy.shape)
    inside = ((scene.xy >= 10) & (scene.xy < [630, 470])).all(axis=-1)
    depth = depth_to_metres(encode(render(scene, noise_m=0.0, zero_share=0.0), "32FC1"), "32FC1")
    out = lift_keypoints(scene.xy, depth, k, COLOUR)
    err = np.linalg.norm(out[inside] - scene.xyz[inside], axis=-1)
    assert inside.sum() >= 30 and err.max() <= 0.001
    pinhole = lift_keypoints(scene.xy, depth, Intrinsics.from_values(600.0, 610.0, 322.3, 236.8, 640, 480), COLOUR)
    assert np.linalg.norm(pinhole[inside] - scene.xyz[inside], axis=-1).max() > 0.02


def test_camera_info_forms_and_errors():
    class Info:                                       # a sensor_msgs/CameraInfo's fields
        k = [500.0, 0, 320, 0, 500.0, 240, 0, 0, 1]
        d = [0.0] * 5
        p = [480.0, 0, 318, 0, 0, 481.0, 241, 0, 0, 0, 1, 0]
        distortion_model = "plumb_bob"
        width, height = 640, 480
    k = Intrinsics.from_camera_info(Info())
    assert (k.fx, k.cx, k.distorted) == (500.0, 320.0, False)
    rect = Intrinsics.from_camera_info(Info(), rectified=True)
    assert (rect.fx, rect.fy, rect.cx, rect.cy, rect.distorted) == (480.0, 481.0, 318.0, 241.0, False)
    yaml = {"image_width": 640, "image_height": 480, "camera_matrix": {"data": Info.k},
            "distortion_model": "plumb_bob", "distortion_coefficients": {"data": [0.1, 0, 0, 0, 0]}}
    assert Intrinsics.from_camera_info(yaml).d[0] == 0.1
    # zero coefficients of any model: plain pinhole
    assert not Intrinsics.from_camera_info({**yaml, "distortion_model": "whatever",
                                            "distortion_coefficients": [0, 0, 0]}).distorted
    bad = [({**yaml, "distortion_model": "double_sphere"}, "not supported"),
           ({**yaml, "distortion_coefficients": [0.1, 0.2]}, "coefficients"),
           ({**yaml, "camera_matrix": [0.0] * 9}, "uncalibrated"),
           ({**yaml, "camera_matrix": [1, 2, 3]}, "K"),
           ({**yaml, "image_width": 0}, "size"),
           ({**yaml, "distortion_coefficients": [float("nan")] * 5}, "finite")]
    assert Intrinsics.from_camera_info({**yaml, "image_width": 0, "image_height": 0}, size=(320, 240)).size \
        == (320, 240)
    for info, match in bad:
        with pytest.raises(InputError, match=match):
            Intrinsics.from_camera_info(info)


# --- frames and positions ----------------------------------------------------------------------
def test_with_xyz_returns_a_new_frame_and_select_keeps_it():
    scene = make_scene(6, people=3, keypoints=len(NAMES))
    frame = PoseFrame(scene.xy, np.where(np.isfinite(scene.xy[..., 0]), 0.9, 0.0), np.zeros((3, 4)),
                      np.ones(3), [4, -1, 9], [{}, {}, {}], image_size=COLOUR, keypoint_names=NAMES)
    depth = depth_to_metres(encode(render(scene), "16UC1"), "16UC1")
    out = with_xyz(frame, depth, K)
    assert frame.xyz is None and out.xyz.shape == (3, len(NAMES), 3)
    np.testing.assert_array_equal(out.xy, frame.xy)
    sub = out.select([2, 0])
    np.testing.assert_array_equal(sub.xyz, out.xyz[[2, 0]])
    assert PoseFrame.empty(NAMES).xyz is None
    empty = with_xyz(PoseFrame.empty(NAMES, image_size=COLOUR), depth, K)
    assert empty.xyz.shape == (0, len(NAMES), 3)


def test_person_position_is_the_robust_torso_centre():
    xyz = np.full((3, len(NAMES), 3), np.nan)
    torso = [NAMES.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
    xyz[0, torso] = [[-0.2, -0.3, 2.0], [0.2, -0.3, 2.1], [-0.15, 0.2, 2.05], [0.15, 0.2, 2.0]]
    xyz[0, 0] = [5.0, 5.0, 9.0]                       # a head on the background: not torso
    xyz[1, [0, 9, 10]] = [[0.0, 0.0, 3.0], [0.5, 0.1, 3.2], [0.4, 0.0, 8.0]]   # no torso: all found ones
    pos = person_positions(xyz, NAMES)
    np.testing.assert_allclose(pos[0], [0.0, -0.05, 2.025])
    np.testing.assert_allclose(pos[1], [0.4, 0.0, 3.2])
    assert np.isnan(pos[2]).all()
    # one torso point whose window hit the background does not move the centre much (median)
    xyz[0, torso[3]] = [0.15, 0.2, 7.5]
    assert person_positions(xyz, NAMES)[0, 2] == pytest.approx(2.075)
    hands = person_positions(np.ones((2, 21, 3)), [f"k{i}" for i in range(21)])
    np.testing.assert_allclose(hands, 1.0)
