"""Several cameras, one network: a newest-frame slot per camera and one worker thread that serves
the cameras in turn (round robin over the cameras that have a frame waiting), so a fast camera can
never starve a slow one: between two frames of one camera, every other camera that has a frame
waiting gets one processed.  Like ``worker.NewestFrameWorker`` (which is this with one camera), a
camera's older waiting frame is dropped when a newer one arrives, and nothing a frame does can end
the worker (errors are counted and reported through ``on_error``).

``batch`` > 1 hands up to that many frames (of different cameras) to ``process`` at once, for
backends that gain from batched inference; ``process`` always gets a list of
``(camera index, message, receive time)``.
"""
from __future__ import annotations

import threading
import time
from typing import Callable


class FairFrameWorker:
    def __init__(self, cameras: int, process: Callable[[list], None], on_error: Callable[[BaseException], None],
                 batch: int = 1, name: str = "posenet-cameras"):
        if cameras < 1 or batch < 1:
            raise ValueError("cameras and batch must be >= 1")
        self._process = process
        self._on_error = on_error
        self.batch = int(batch)
        self._lock = threading.Condition()
        self._slots: list = [None] * cameras         # per camera: (msg, receive time) or None
        self._next = 0                               # the camera served first in the next round
        self._stop = False
        self.stats = [{"received": 0, "processed": 0, "dropped": 0, "bad": 0} for _ in range(cameras)]
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def cameras(self) -> int:
        return len(self._slots)

    @property
    def lock(self) -> threading.Condition:
        """Held while frames are taken; hold it to change what ``process`` reads."""
        return self._lock

    def submit(self, camera: int, msg) -> None:
        now = time.perf_counter()
        with self._lock:
            if self._slots[camera] is not None:
                self.stats[camera]["dropped"] += 1
            self._slots[camera] = (msg, now)
            self.stats[camera]["received"] += 1
            self._lock.notify()

    def take(self) -> list:
        """The next frames to process (call with the lock held): up to ``batch`` waiting cameras,
        starting after the camera served last."""
        n = len(self._slots)
        items = []
        for k in range(n):
            cam = (self._next + k) % n
            if self._slots[cam] is not None:
                msg, received = self._slots[cam]
                self._slots[cam] = None
                items.append((cam, msg, received))
                if len(items) == self.batch:
                    break
        if items:
            self._next = (items[-1][0] + 1) % n
        return items

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stop and all(s is None for s in self._slots):
                    self._lock.wait(0.5)
                if self._stop:
                    return
                items = self.take()
            try:
                self._process(items)
                for cam, _, _ in items:
                    self.stats[cam]["processed"] += 1
            except Exception as err:  # noqa: BLE001 - one bad frame must never end the worker
                for cam, _, _ in items:
                    self.stats[cam]["bad"] += 1
                try:
                    self._on_error(err)
                except Exception:  # noqa: BLE001 - not even a failing error report
                    pass

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=timeout)
