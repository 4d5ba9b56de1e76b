"""FairFrameWorker (several cameras, one network): newest frame per camera, cameras in turn, a fast
camera never starves a slow one.  Real threads, no ROS needed."""
import threading
import time

import pytest

from jetson_pose_ros.ros.camera_worker import FairFrameWorker


def test_round_robin_and_newest_only():
    gate, order, first = threading.Event(), [], threading.Event()

    def process(items):
        order.append([(cam, msg) for cam, msg, _ in items])
        first.set()
        gate.wait(5)

    w = FairFrameWorker(3, process, on_error=lambda e: None)
    try:
        w.submit(0, "a0")
        assert first.wait(5)                # the worker is busy with a0 until the gate opens
        for msg in ("a1", "a2", "a3"):      # camera 0 floods: only its newest frame waits
            w.submit(0, msg)
        w.submit(2, "c0")
        w.submit(1, "b0")
        gate.set()
        deadline = time.monotonic() + 5
        while sum(s["processed"] for s in w.stats) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        w.stop()
    # after camera 0, the others come first (in turn), then camera 0's newest frame
    assert order == [[(0, "a0")], [(1, "b0")], [(2, "c0")], [(0, "a3")]]
    assert w.stats[0] == {"received": 4, "processed": 2, "dropped": 2, "bad": 0}
    assert w.stats[1]["processed"] == w.stats[2]["processed"] == 1


def test_batch_takes_distinct_cameras():
    got = []
    gate = threading.Event()
    w = FairFrameWorker(2, lambda items: (got.append(sorted(c for c, _, _ in items)), gate.wait(5)),
                        on_error=lambda e: None, batch=2)
    try:
        with w.lock:                        # both cameras waiting before the worker looks
            w.submit(0, "x")
            w.submit(1, "y")
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.set()
    finally:
        w.stop()
    assert got[0] == [0, 1]


def test_fast_camera_does_not_starve_slow_camera():
    """Camera 0 sends every 2 ms, processing takes 10 ms; camera 1 sends a frame after every 6 frames
    processed: every frame of the slow camera is processed (none dropped), the fast one gets the rest
    of the time.  The slow camera is paced by the frames processed, not by the clock: on a loaded
    machine a 10 ms sleep may take 60 ms or more, and a slow camera paced by the clock would then lose
    frames to its own next frame however fair the worker is; an unfair worker (camera 0 whenever it
    has a frame waiting) still loses them to the fast camera."""
    def process(items):
        time.sleep(0.010)

    w = FairFrameWorker(2, process, on_error=lambda e: None)
    stop = threading.Event()

    def flood():
        i = 0
        while not stop.is_set():
            w.submit(0, i)
            i += 1
            time.sleep(0.002)

    fast_thread = threading.Thread(target=flood)
    fast_thread.start()
    try:
        deadline = time.monotonic() + 60
        for k in range(12):
            while sum(s["processed"] for s in w.stats) < 6 * (k + 1):
                assert time.monotonic() < deadline, w.stats
                time.sleep(0.002)
            w.submit(1, k)
        while w.stats[1]["processed"] + w.stats[1]["dropped"] < 12 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        fast_thread.join()
        w.stop()
    fast, slow = w.stats
    assert slow["received"] == 12
    assert slow["dropped"] == 0, w.stats             # served before its next frame came
    assert slow["processed"] == slow["received"]
    assert fast["processed"] > slow["processed"] and fast["dropped"] > 0


def test_errors_are_counted_and_worker_goes_on():
    errors = []

    def process(items):
        if items[0][1] == "bad":
            raise ValueError("broken frame")

    w = FairFrameWorker(1, process, on_error=errors.append)
    try:
        w.submit(0, "bad")
        deadline = time.monotonic() + 5
        while w.stats[0]["bad"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        w.submit(0, "good")
        while w.stats[0]["processed"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        w.stop()
    assert w.stats[0]["bad"] == 1 and w.stats[0]["processed"] == 1 and w.alive() is False
    assert isinstance(errors[0], ValueError)
    with pytest.raises(ValueError):
        FairFrameWorker(0, process, on_error=errors.append)
