"""DepthLifter (what the node and the CLI run): colour frames come back in order, lifted when a depth
image is within the slop, unchanged otherwise; no camera_info, a bad encoding and a size mismatch
are counted, never raised.  Synthetic messages with the sensor_msgs fields; no ROS needed."""
from types import SimpleNamespace as NS

import numpy as np

from jetson_pose_ros.depth import DepthLifter, DepthSettings
from jetson_pose_ros.core.pose import PoseFrame

W, H = 64, 48
NAMES = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip"]


def stamp(ns: int) -> NS:
    return NS(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


def depth_msg(ns: int, mm: int = 1500, size=(W, H), encoding: str = "16UC1") -> NS:
    w, h = size
    data = np.full((h, w), mm, np.uint16).tobytes()
    return NS(header=NS(stamp=stamp(ns), frame_id="depth_optical"), width=w, height=h, encoding=encoding,
              step=w * 2, is_bigendian=0, data=data)


def info_msg(size=(W, H)) -> NS:
    w, h = size
    f = 0.8 * w
    return NS(header=NS(stamp=stamp(0), frame_id="depth_optical"), width=w, height=h, distortion_model="plumb_bob",
              d=[0.0] * 5, k=[f, 0.0, (w - 1) / 2, 0.0, f, (h - 1) / 2, 0.0, 0.0, 1.0])


def frame() -> PoseFrame:
    xy = np.array([[[30.0, 10.0], [25.0, 20.0], [35.0, 20.0], [26.0, 35.0], [np.nan, np.nan]]])
    return PoseFrame(xy, np.full((1, 5), 0.9), [[20, 5, 40, 40]], [0.8], [7], [{}], image_size=(W, H),
                     keypoint_names=NAMES, skeleton=[(1, 2), (1, 3)])


def test_frames_come_back_in_order_lifted_or_not():
    lifter = DepthLifter(DepthSettings(), slop=0.02)
    lifter.add_camera_info(info_msg())
    out = []
    period = 100_000_000
    for i in range(8):
        t = 10**18 + i * period
        if i != 3:                                    # no depth for colour frame 3
            out += lifter.add_depth(depth_msg(t - 5_000_000 if i % 2 else t + 5_000_000))
        out += lifter.add_color(frame(), stamp(t), payload=i)
    out += lifter.flush()
    assert [o.payload for o in out] == list(range(8))
    assert [o.lifted for o in out] == [i != 3 for i in range(8)]
    assert [o.color_stamp_ns for o in out] == [10**18 + i * period for i in range(8)]
    lifted = out[0]
    assert lifted.depth_frame_id == "depth_optical"
    np.testing.assert_allclose(lifted.frame.xyz[0, :4, 2], 1.5)
    assert np.isnan(lifted.frame.xyz[0, 4]).all()
    np.testing.assert_allclose(lifted.positions[0, 2], 1.5)
    assert out[3].frame.xyz is None and out[3].positions is None
    st = lifter.status()
    assert st.level == 1 and "1 of 8 colour frames had no depth image within sync_slop" in st.message


def test_no_camera_info_bad_encoding_and_size_are_reported():
    lifter = DepthLifter()
    t = 10**18
    out = lifter.add_depth(depth_msg(t)) + lifter.add_color(frame(), stamp(t)) + lifter.flush()
    assert len(out) == 1 and not out[0].lifted
    st = lifter.status()
    assert st.level == 2 and "camera_info" in st.message
    lifter.add_camera_info(info_msg())                # the start-up race is over: the next period is OK
    out = lifter.add_depth(depth_msg(t + 10**8)) + lifter.add_color(frame(), stamp(t + 10**8)) + lifter.flush()
    assert out[0].lifted and lifter.status().level == 0

    lifter = DepthLifter()
    lifter.add_camera_info(info_msg())
    bad = depth_msg(t, encoding="rgb8")
    out = lifter.add_depth(bad) + lifter.add_color(frame(), stamp(t)) + lifter.flush()
    st = lifter.status()
    assert not out[0].lifted and st.level == 2 and "rgb8" in st.message

    lifter = DepthLifter()
    lifter.add_camera_info(info_msg((W // 2, H // 2)))
    out = lifter.add_depth(depth_msg(t, size=(W // 2, H // 2))) + lifter.add_color(frame(), stamp(t))
    assert out[0].lifted and len(lifter.notes) == 1 and "differs from the colour image" in lifter.notes[0]
    np.testing.assert_allclose(out[0].frame.xyz[0, :4, 2], 1.5)
