"""Colour/depth pairing by stamp (jitter +-slop/2, 10 % of depth frames dropped), the depth
diagnostics, per-track velocity and person IDs."""
from types import SimpleNamespace

import numpy as np
import pytest

from jetson_pose_ros.depth import (ApproximateTimeSync, DepthDiagnostics, VelocityEstimator, body_frame,
                                   camera_info_topic, person_id, stamp_ns, sync_status)
from jetson_pose_ros.depth.diagnostics import ERROR, OK, WARN
from jetson_pose_ros.core.errors import PoseNetError

SLOP = 0.02
RATE = 30.0


def msg(kind, index, t):
    """A message with a ROS header (builtin_interfaces/Time fields)."""
    sec = int(t)
    stamp = SimpleNamespace(sec=sec, nanosec=int(round((t - sec) * 1e9)))
    return SimpleNamespace(kind=kind, index=index, header=SimpleNamespace(stamp=stamp, frame_id=f"{kind}_frame"))


def stream(seed=0, frames=300, drop=0.1, depth_latency=(0.0, 0.06), colour_latency=(0.0, 0.005), t0=1_700_000_000.0):
    """Arrival-ordered (arrival, kind, message) events: colour at RATE, each depth stamped within
    +-SLOP/2 of its colour frame, a share ``drop`` of depth frames never sent, camera_info once a
    second; each stream arrives in its own order, with random latencies (so the streams interleave
    either way)."""
    rng = np.random.default_rng(seed)
    nominal = t0 + np.arange(frames) / RATE
    dropped = set(rng.choice(frames, int(round(drop * frames)), replace=False).tolist())
    events, last = [], {"color": 0.0, "depth": 0.0}
    for i, t in enumerate(nominal):
        last["color"] = max(last["color"], t + rng.uniform(*colour_latency))
        events.append((last["color"], "color", msg("color", i, t)))
        if i not in dropped:
            d = t + rng.uniform(-SLOP / 2, SLOP / 2)
            last["depth"] = max(last["depth"], d + rng.uniform(*depth_latency))
            events.append((last["depth"], "depth", msg("depth", i, d)))
        if i % int(RATE) == 0:
            events.append((t - 0.1, "info", SimpleNamespace(kind="info", index=i)))
    events.sort(key=lambda e: e[0])
    return events, dropped


def run(sync, events):
    live, pending_max = [], 0
    for _, kind, m in events:
        if kind == "color":
            live += sync.add_color(m)
        elif kind == "depth":
            live += sync.add_depth(m)
        else:
            sync.add_camera_info(m)
        pending_max = max(pending_max, sync.pending)
    return live, sync.flush(), pending_max


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("latency", ["depth_late", "colour_late"])
def test_a_pair_for_every_colour_frame_with_a_partner(seed, latency):
    lat = {"depth_late": dict(depth_latency=(0.0, 0.06)),
           "colour_late": dict(colour_latency=(0.0, 0.06), depth_latency=(0.0, 0.005))}[latency]
    events, dropped = stream(seed, **lat)
    sync = ApproximateTimeSync(slop=SLOP)
    live, flushed, pending_max = run(sync, events)
    pairs = live + flushed
    assert len(dropped) == 30
    assert [p.color.index for p in pairs] == [i for i in range(300) if i not in dropped]   # all, in order
    assert all(p.depth.index == p.color.index for p in pairs)                  # the right partner
    assert all(abs(p.offset) <= SLOP for p in pairs)
    assert all(p.color_stamp_ns == stamp_ns(p.color.header.stamp) for p in pairs)   # headers kept
    assert all(p.camera_info is not None for p in pairs) and sync.stats.pairs_without_info == 0
    assert sync.stats.dropped == 30 and sync.stats.pairs == 270 and sync.stats.color == 300
    assert len(flushed) <= 2 and pending_max <= 4                   # decided as they come, not at the end
    status = sync_status(sync.stats, slop=SLOP)
    assert status.level == WARN and status.message.startswith("30 of 300 colour frames had no depth image")
    assert status.values["colour frames without depth"] == "30"


def test_nearest_depth_wins_and_slop_is_a_limit():
    sync = ApproximateTimeSync(slop=SLOP)
    sync.add_camera_info("info")
    assert sync.add_depth("far", 9.984) == []
    assert sync.add_color("c1", 10.0) == []                     # a nearer depth may still come
    out = sync.add_depth("near", 10.002)
    assert [(p.color, p.depth) for p in out] == [("c1", "near")] and out[0].offset == pytest.approx(0.002)
    out = sync.add_color("c2", 10.0335) + sync.add_depth("late", 10.0335 + 1.5 * SLOP)
    assert out == [] and sync.stats.dropped == 1 and sync.stats.last_drop_gap == pytest.approx(1.5 * SLOP)
    assert "nearest depth 30 ms away" in sync_status(sync.stats, slop=SLOP).message


def test_depth_stamped_before_colour_is_paired_without_waiting():
    """Depth stamped 8 ms before its colour frame and arriving first: each pair comes out when its
    colour frame arrives, not one depth frame later; a depth that is dropped makes no wrong pair."""
    sync = ApproximateTimeSync(slop=SLOP)
    sync.add_camera_info("info")
    immediate, pairs = [], []
    for i in range(30):
        t = 10.0 + i / RATE
        if i != 12:
            pairs += sync.add_depth(i, t - 0.008)
        out = sync.add_color(i, t)
        immediate += [p.color for p in out if p.color == i]
        pairs += out
    pairs += sync.flush()
    assert set(range(3, 30)) - {12} <= set(immediate)          # from the 4th frame (3 intervals seen)
    assert [(p.color, p.depth) for p in pairs] == [(i, i) for i in range(30) if i != 12]
    assert sync.stats.dropped == 1


def test_slower_depth_serves_several_colour_frames():
    sync = ApproximateTimeSync(slop=0.02)
    pairs = []
    for i in range(10):
        pairs += sync.add_color(i, 5.0 + i * 0.01)
        if i % 3 == 0:
            pairs += sync.add_depth(f"d{i}", 5.0 + i * 0.01 + 0.001)
    pairs += sync.flush()
    assert {p.color: p.depth for p in pairs} == {0: "d0", 1: "d0", 2: "d3", 3: "d3", 4: "d3", 5: "d6", 6: "d6",
                                                 7: "d6", 8: "d9", 9: "d9"}


def test_stalled_depth_drops_are_reported_and_queues_bounded():
    sync = ApproximateTimeSync(slop=SLOP, queue_size=10, max_delay=0.2)
    out = sync.add_depth("d", 1.0)
    for i in range(100):
        out += sync.add_color(i, 1.0 + i / RATE)
        assert sync.pending <= 10
    assert [p.color for p in out] == [0]
    assert sync.stats.dropped >= 99 - 10
    status = sync_status(sync.stats)
    assert status.level == ERROR and "camera_info" in status.message          # it never came
    sync.add_camera_info("info")
    assert sync_status(sync.stats).level == WARN


def test_time_going_back_restarts_pairing():
    sync = ApproximateTimeSync(slop=SLOP)
    pairs = []
    for loop in range(2):                           # a recording played twice
        for i in range(20):
            pairs += sync.add_color((loop, i), 100.0 + i / RATE)
            pairs += sync.add_depth((loop, i), 100.0 + i / RATE + 0.003)
    pairs += sync.flush()
    assert [p.color for p in pairs] == [p.depth for p in pairs] and len(pairs) == 40
    assert sync.stats.resets == 1


def test_stamps():
    assert stamp_ns(1.5) == 1_500_000_000
    assert stamp_ns(SimpleNamespace(sec=3, nanosec=7)) == 3_000_000_007
    assert stamp_ns(msg("c", 0, 12.25)) == 12_250_000_000
    with pytest.raises(PoseNetError):
        stamp_ns("now")
    for bad in ({"slop": -0.1}, {"slop": float("nan")}, {"slop": 5}, {"queue_size": 0}):
        with pytest.raises(PoseNetError):
            ApproximateTimeSync(**bad)
    sync = ApproximateTimeSync()
    sync.add_camera_info("i")
    sync.add_color("c", 0.0)
    sync.add_depth("d", 0.0)
    assert sync.stats.zero_stamps == 2 and "stamp" in sync_status(sync.stats).message


def test_no_depth_at_all():
    sync = ApproximateTimeSync()
    for i in range(5):
        sync.add_color(i, i / RATE)
    assert sync_status(sync.stats).level == ERROR and "no depth" in sync_status(sync.stats).message


def test_sync_status_over_a_window():
    sync = ApproximateTimeSync(slop=SLOP)
    sync.add_camera_info("i")
    for i in range(10):
        sync.add_color(i, i / RATE)
        if i != 3:
            sync.add_depth(i, i / RATE)
    sync.flush()
    first = sync.stats.copy()
    assert sync_status(sync.stats).level == WARN
    for i in range(10, 20):
        sync.add_color(i, i / RATE)
        sync.add_depth(i, i / RATE)
    sync.flush()
    later = sync_status(sync.stats, first)
    assert later.level == OK and later.values["pairs"] == "10"


# --- diagnostics ---------------------------------------------------------------------------------
def test_depth_diagnostics():
    diag = DepthDiagnostics(window=4, missing_share=0.3)
    assert diag.status().level == OK
    assert diag.size_mismatch((640, 480), (640, 480)) is None
    note = diag.size_mismatch((640, 480), (320, 240))
    assert "320x240" in note and "640x480" in note
    assert diag.size_mismatch((640, 480), (320, 240)) is None            # reported once
    assert diag.status().level == OK and diag.status().message == note
    xy = np.zeros((2, 5, 2))
    xy[1, 4] = np.nan                                                    # 9 found keypoints
    xyz = np.ones((2, 5, 3))
    xyz[0, :2] = np.nan                                                  # 2 of them without depth
    diag.lifted(xy, xyz)
    assert diag.missing_depth_share == pytest.approx(2 / 9) and diag.status().level == OK
    xyz[1] = np.nan                                                      # 2 + 4 of 9
    for _ in range(4):
        diag.lifted(xy, xyz)                                            # the window keeps 4 frames
    assert diag.missing_depth_share == pytest.approx(6 / 9)
    status = diag.status()
    assert status.level == WARN and status.message.startswith("67% of found keypoints had no valid depth")
    diag.no_camera_info()
    assert diag.status().level == ERROR and "camera_info" in diag.status().message
    diag.bad_encoding("depth image encoding 'rgb8' is not supported")
    assert diag.status().level == ERROR and "rgb8" in diag.status().message


# --- velocity and IDs ----------------------------------------------------------------------------
def test_velocity_from_stamps_with_smoothing():
    rng = np.random.default_rng(0)
    vel = VelocityEstimator(time_constant=0.3, max_gap=0.5)
    t, true_v = 50.0, np.array([0.5, 0.0, -0.25])
    p0 = np.array([0.0, 0.1, 3.0])
    out = []
    for i in range(90):                                   # 3 s at ~30 Hz with irregular intervals
        t += rng.uniform(0.02, 0.05)
        pos = p0 + true_v * (t - 50.0) + rng.normal(0, 0.005, 3)
        out.append(vel.update(t, [7, -1], [pos, pos]))
    assert np.isnan(out[0]).all()                         # first sighting
    assert all(np.isnan(o[1]).all() for o in out)         # untracked
    np.testing.assert_allclose(np.mean([o[0] for o in out[45:]], axis=0), true_v, atol=0.03)
    assert np.abs(out[-1][0] - true_v).max() < 0.15
    assert np.isnan(vel.update(t + 1.0, [7], [p0])).all()  # after a gap: starts again
    assert np.isfinite(vel.update(t + 1.03, [7], [p0 + 0.01])).all()
    assert np.isnan(vel.update(t + 1.06, [7], [[np.nan] * 3])).all()
    with pytest.raises(PoseNetError):
        VelocityEstimator(time_constant=0)


def test_person_ids():
    assert person_id(12) == "b12" and body_frame(12) == "body_b12"
    assert person_id(0) == "b0"
    assert person_id(-1) == "" and body_frame(-1) == ""


def test_camera_info_topic_is_the_depth_topics_sibling():
    assert camera_info_topic("/camera/aligned_depth_to_color/image_raw") == "/camera/aligned_depth_to_color/camera_info"
    assert camera_info_topic("/zed/zed_node/depth/depth_registered") == "/zed/zed_node/depth/camera_info"
    assert camera_info_topic("depth/image_raw/") == "depth/camera_info"
    assert camera_info_topic("depth") == "camera_info"
    assert camera_info_topic("/a/b", "/c/info") == "/c/info"
    with pytest.raises(PoseNetError):
        camera_info_topic("")
