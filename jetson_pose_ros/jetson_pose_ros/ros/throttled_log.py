"""Warnings about bad frames, at most one per distinct message per period, so a stream of bad
frames does not flood the log while every new kind of problem is still reported."""
from __future__ import annotations

import time

WARN_PERIOD_S = 5.0


class ThrottledLog:
    def __init__(self, logger, period: float = WARN_PERIOD_S):
        self.logger = logger
        self.period = period
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def __call__(self, text: str, error: bool = False) -> None:
        now = time.monotonic()
        last = self._last.get(text)
        if last is not None and now - last < self.period:
            self._suppressed[text] = self._suppressed.get(text, 0) + 1
            return
        if len(self._last) > 100:
            self._last.clear()
        self._last[text] = now
        n = self._suppressed.pop(text, 0)
        text += f" ({n} more since the last warning)" if n else ""
        # one call site per severity: rclpy refuses a call site that logs at two severities
        if error:
            self.logger.error(text)
        else:
            self.logger.warning(text)
