"""The one sink protocol (``pipeline.sinks.Sink``: ``write(frame, capture)``, ``close()``): the pipeline
writes every sink with the ``PoseFrame`` and the ``Capture`` it was found in; a capture from a
recording brings its header stamp and frame_id to a recording sink; closing the pipeline closes every
sink even when one fails."""
import json

import cv2
import numpy as np
import pytest

from jetson_pose_ros.core.capture import Capture
from jetson_pose_ros.core.errors import PoseNetError
from jetson_pose_ros.core.pose import PoseFrame
from jetson_pose_ros.io import open_output, open_source
from jetson_pose_ros.pipeline.pipeline import Pipeline
from jetson_pose_ros.pipeline.sinks import CsvSink, JsonLinesSink, Sink

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]      # runs a network over video frames (~14 s)


class Collect(Sink):
    def __init__(self):
        self.items: list[tuple[PoseFrame, Capture, np.ndarray]] = []
        self.closed = 0

    def write(self, frame, capture):
        self.items.append((frame, capture, capture.image.copy()))

    def close(self):
        self.closed += 1


class Broken(Sink):
    def write(self, frame, capture):
        pass

    def close(self):
        raise OSError("disk full")


@pytest.fixture(scope="module")
def pipe_net():
    return Pipeline(overlay="links,keypoints").net


def test_every_sink_gets_the_frame_and_its_capture(tmp_path, shared, pipe_net):
    video = shared / "data" / "video" / "mmpose_demo.mp4"
    collect = Collect()
    originals = []
    with Pipeline(net=pipe_net, overlay="links,keypoints",
                  sinks=[JsonLinesSink(tmp_path / "p.jsonl"), CsvSink(tmp_path / "p.csv"), collect]) as pipe:
        for capture in open_source(str(video)):
            originals.append(capture.image.copy())
            frame = pipe(capture)
            assert collect.items[-1][0] is frame and collect.items[-1][1] is capture
    assert collect.closed == 1 and len(collect.items) == 5
    records = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    for (frame, capture, drawn), original, rec in zip(collect.items, originals, records):
        assert len(frame) > 0 and rec["frame"] == capture.index and rec["source"] == str(video)
        assert rec["timestamp"] == pytest.approx(capture.timestamp, abs=1e-6)
        assert len(rec["poses"]) == len(frame)
        assert not np.array_equal(drawn, original), "the sinks get the image with the overlay drawn"
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert len(rows) - 1 == sum(int(f.found.sum()) for f, _, _ in collect.items)
    assert [int(r.split(",")[0]) for r in rows[1:]] == sorted(int(r.split(",")[0]) for r in rows[1:])


def test_image_and_capture_calls_write_the_same(tmp_path, images, pipe_net):
    img = cv2.imread(str(images / "humans_0.jpg"))
    a, b = Collect(), Collect()
    Pipeline(net=pipe_net, sinks=[a])(img.copy(), 1.5, source="x.jpg", index=3)
    Pipeline(net=pipe_net, sinks=[b])(Capture(img.copy(), 3, "x.jpg", 1.5))
    (fa, ca, _), (fb, cb, _) = a.items[0], b.items[0]
    assert (ca.index, ca.source, ca.timestamp) == (cb.index, cb.source, cb.timestamp) == (3, "x.jpg", 1.5)
    np.testing.assert_array_equal(fa.xy, fb.xy)
    with pytest.raises(PoseNetError, match="pass it alone"):
        Pipeline(net=pipe_net)(Capture(img, 0, "x.jpg"), 1.0)


def test_closing_the_pipeline_closes_every_sink(tmp_path, pipe_net):
    first, last = Collect(), Collect()
    pipe = Pipeline(net=pipe_net, sinks=[first, Broken(), last])
    with pytest.raises(OSError, match="disk full"):
        pipe.close()
    assert first.closed == last.closed == 1


def test_open_output_returns_sinks(tmp_path):
    for uri in (None, str(tmp_path / "a.jpg"), str(tmp_path / "a_%i.png"), str(tmp_path / "d") + "/",
                str(tmp_path / "a.avi"), "http://127.0.0.1:0/"):
        with open_output(uri, fps=5) as sink:
            assert isinstance(sink, Sink), uri


def test_a_recordings_capture_brings_its_header_to_a_recording_sink(tmp_path, shared, pipe_net):
    pytest.importorskip("rosbags", reason="needs the rosbags package (requirements.txt)")
    from test_recordings import PERIOD, T0, read_back, stamp_ns, write_bag

    cap = cv2.VideoCapture(str(shared / "data" / "video" / "mmpose_demo.mp4"))
    images = [img for ok, img in iter(cap.read, (False, None)) if ok][:3]
    write_bag(tmp_path / "bag", images)
    source = open_source(str(tmp_path / "bag"))
    with Pipeline(net=pipe_net, sinks=[open_output(str(tmp_path / "out.mcap"), topic=source.topic)]) as pipe:
        for capture in source:
            pipe(capture)
    _, msgs = read_back(tmp_path / "out.mcap")
    assert [(topic, stamp_ns(m.header), m.header.frame_id, t) for topic, t, m in msgs] == \
        [("/cam/poses", T0 + i * PERIOD, "cam_optical", T0 + i * PERIOD + 5_000_000) for i in range(3)]
