"""The node's health as ``diagnostic_msgs/DiagnosticArray`` (for ``/diagnostics``, rqt_robot_monitor,
diagnostic_aggregator): frames received, processed and bad (the frame failed: undecodable, too
large, ...; and dropped where the node counts them), processing rate and latency over the last
period, and the last error.

Level: ERROR when frame processing has stopped (``alive`` false), or when frames arrived but none
was processed for ``stall_timeout`` seconds; WARN when frames failed in the last period; OK with
"idle: REASON" while the node takes no input on purpose (lazy with no subscribers, disabled); else OK.
"""
from __future__ import annotations

import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

OK, WARN, ERROR = DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR


class FrameDiagnostics:
    """Call ``update(stats, latencies_ms, ...)`` once per period; it returns the DiagnosticArray.

    ``stats``: the node's counters (received, processed, bad[, dropped]); ``latencies_ms``: the
    latencies of the frames processed since the last call (receive -> poses published)."""

    def __init__(self, name: str = "posenet: frames", hardware_id: str = "", stall_timeout: float = 5.0,
                 clock=time.monotonic):
        self.name = name
        self.hardware_id = hardware_id
        self.stall_timeout = float(stall_timeout)
        self._clock = clock
        self._last = (clock(), {})          # (time, stats) of the previous update
        self._processed_at = clock()        # when the processed count last grew
        self.extra: dict = {}               # constant facts shown with every status (e.g. the backend chosen)

    def status(self, stats: dict, latencies_ms=(), last_error: str | None = None,
               alive: bool = True, idle: str | None = None) -> DiagnosticStatus:
        idle_reason = idle
        now = self._clock()
        prev_t, prev = self._last
        self._last = (now, dict(stats))
        dt = max(now - prev_t, 1e-9)
        delta = {k: stats.get(k, 0) - prev.get(k, 0) for k in ("received", "processed", "dropped", "bad")}
        if delta["processed"] > 0:
            self._processed_at = now
        idle = now - self._processed_at
        lat = np.asarray(list(latencies_ms), dtype=np.float64)
        lat = lat[np.isfinite(lat)]
        if not alive:
            level, message = ERROR, "frame processing stopped: no frame will be processed"
        elif idle_reason:
            level, message = OK, f"idle: {idle_reason}"
        elif delta["received"] > 0 and idle >= self.stall_timeout:
            level, message = ERROR, f"frames arrive but none was processed for {idle:.1f} s"
        elif delta["bad"] > 0:
            level, message = WARN, f"{delta['bad']} bad frame(s) in the last {dt:.1f} s: {last_error or '?'}"
        elif delta["received"] == 0:
            level, message = OK, "no input frames"
        else:
            level, message = OK, f"{delta['processed'] / dt:.1f} frames/s"
        counts = ("received", "processed", "dropped", "bad")
        values = {
            **{k: stats[k] for k in counts if k in stats},
            "rate_hz": f"{delta['processed'] / dt:.2f}",
            "latency_median_ms": f"{np.median(lat):.2f}" if lat.size else "",
            "latency_p95_ms": f"{np.percentile(lat, 95):.2f}" if lat.size else "",
            "seconds_since_processed": f"{idle:.1f}",
            "last_error": last_error or "",
            **self.extra,
        }
        values["idle"] = idle_reason or ""
        return DiagnosticStatus(level=level, name=self.name, message=message, hardware_id=self.hardware_id,
                                values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])

    def update(self, stats: dict, latencies_ms=(), last_error: str | None = None, alive: bool = True,
               stamp=None, idle: str | None = None) -> DiagnosticArray:
        array = DiagnosticArray(status=[self.status(stats, latencies_ms, last_error, alive, idle)])
        if stamp is not None:
            array.header.stamp = stamp
        return array
