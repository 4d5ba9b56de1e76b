"""Newest-frame worker: the subscription callback drops a message into one slot, a worker
thread processes whatever is newest, so a slow network never builds a backlog of stale frames.
Nothing a frame does can end the worker: every exception is counted and reported through
``on_error``; the next frame is processed."""
from __future__ import annotations

import threading
import time
from typing import Callable


class NewestFrameWorker:
    def __init__(self, process: Callable, on_error: Callable[[BaseException], None], name: str = "posenet-worker"):
        self._process = process
        self._on_error = on_error
        self._lock = threading.Condition()
        self._latest = None                 # (msg, receive time)
        self._stop = False
        self.stats = {"received": 0, "processed": 0, "dropped": 0, "bad": 0}
        self.last_error: str | None = None  # one line: the last frame's failure
        self.exit_error: str | None = None  # why the thread ended, if it ever does other than by stop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, msg) -> None:
        now = time.perf_counter()
        with self._lock:
            if self._latest is not None:
                self.stats["dropped"] += 1
            self._latest = (msg, now)
            self.stats["received"] += 1
            self._lock.notify()

    @property
    def lock(self) -> threading.Condition:
        """Held while a frame is taken; hold it to change what ``process`` reads."""
        return self._lock

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as err:  # noqa: BLE001 - recorded (no traceback); alive() turns False and
            self.exit_error = f"{type(err).__name__}: {err}"  # the node logs it and exits non-zero

    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._latest is None and not self._stop:
                    self._lock.wait(0.5)
                if self._stop:
                    return
                msg, received = self._latest
                self._latest = None
            try:
                self._process(msg, received)
                self.stats["processed"] += 1
            except Exception as err:  # noqa: BLE001 - one bad frame must never end the worker
                self.stats["bad"] += 1
                self.last_error = " ".join(str(err).split()) or type(err).__name__
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
