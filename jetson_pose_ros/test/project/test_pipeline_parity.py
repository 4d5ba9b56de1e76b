"""The CLI path and the node path are one pipeline: the same frames with the same options (track on)
give identical poses, scores and track IDs through ``posenet --json`` and through ``posenet_node``."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ros_helpers
from ros_helpers import Client, NodeProcess

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

ros_helpers.require_ros()
ros_helpers.setup_environment()

import rclpy  # noqa: E402

from jetson_pose_ros.io import open_source  # noqa: E402

OPTIONS = {"track": True, "threshold": 0.2, "track_min_hits": 2}


@pytest.fixture(scope="module")
def video():
    shared = ros_helpers.shared_dir()
    path = shared / "data" / "video" / "mmpose_demo.mp4" if shared else None
    if path is None or not path.is_file():
        pytest.skip("mmpose_demo.mp4 not found (../shared/data/video beside the repo or $JETSON_POSE_SHARED)")
    return path


def cli_frames(video, tmp_path) -> list[list[tuple]]:
    out = tmp_path / "cli.jsonl"
    flags = [f"--{k.replace('_', '-')}" + ("" if v is True else f"={v}") for k, v in OPTIONS.items()]
    res = subprocess.run([sys.executable, "-m", "jetson_pose_ros.cli.posenet", "--no-progress", "--log-level=error",
                          str(video), "--json", str(out), *flags], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return [[(p["track_id"], round(p["score"], 4),
              [(k["id"], round(k["x"], 2), round(k["y"], 2), round(k["score"], 4)) for k in p["keypoints"]])
             for p in json.loads(line)["poses"]] for line in out.read_text().splitlines()]


def node_frames(video, tmp_path) -> list[list[tuple]]:
    rclpy.init()
    proc = NodeProcess(tmp_path / "node.log", namespace="/parity", params=dict(OPTIONS))
    try:
        proc.wait_ready()
        c = Client(proc, name="parity_client")
        c.wait_connected()
        frames = []
        for f in open_source(str(video)):
            msg = c.send(c.image_msg(f.image))
            frames.append([(p.track_id, round(p.score, 4),
                            [(i, round(k.x, 2), round(k.y, 2), round(k.score, 4))
                             for i, k in enumerate(p.keypoints) if k.found])   # one entry per topology id
                           for p in msg.poses])
        c.destroy()
    finally:
        rc = proc.stop()
        rclpy.try_shutdown()
    assert rc == 0, proc.log()[-2000:]
    return frames


def test_cli_and_node_give_identical_tracked_poses(video, tmp_path):
    cli = cli_frames(video, tmp_path)
    node = node_frames(video, tmp_path)
    assert len(cli) == len(node) == 5
    assert [len(f) for f in cli] == [len(f) for f in node]
    for i, (a, b) in enumerate(zip(cli, node)):
        assert [p[0] for p in a] == [p[0] for p in b], f"track ids differ in frame {i}"
        for pa, pb in zip(a, b):
            assert pa[1] == pytest.approx(pb[1], abs=1e-4)
            assert [k[0] for k in pa[2]] == [k[0] for k in pb[2]]
            for ka, kb in zip(pa[2], pb[2]):       # float32 on the wire, rounded in JSON
                assert ka[1:3] == pytest.approx(kb[1:3], abs=0.011) and ka[3] == pytest.approx(kb[3], abs=1e-4)
    # tracking is really on: tentative in frame 0, confirmed IDs from frame 1 (track_min_hits 2)
    assert all(p[0] == -1 for p in cli[0]) and any(p[0] >= 1 for p in cli[1])
    assert sum(len(f) for f in cli) >= 10
