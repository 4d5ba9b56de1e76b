"""The node's health: ``NodeHealth(node, stats, records, stall_timeout, last_error, alive)``
publishes ``diagnostic_msgs/DiagnosticArray`` on ``/diagnostics`` once a second
(``diagnostics.FrameDiagnostics``: received, processed, bad, rate, latency, last error; ERROR when
frames arrive but none is processed for ``stall_timeout`` seconds; "idle: REASON" while ``idle()``
says why the node takes no input: no subscribers, disabled, inactive)."""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.qos import QoSProfile

from .diagnostics import FrameDiagnostics

PERIOD_S = 1.0


class NodeHealth:
    """``stats``: the node's live counters (received, processed, bad[, dropped]); ``records``: a
    deque of (latency_ms, ...) per processed frame; ``last_error()`` / ``alive()``: the last
    frame's failure and whether frames can still be processed."""

    def __init__(self, node, stats: dict, records, stall_timeout: float = 5.0, last_error=lambda: None,
                 alive=lambda: True, period: float = PERIOD_S, idle=lambda: None, more=lambda: []):
        self.stats, self.records, self.last_error, self.alive, self.idle = stats, records, last_error, alive, idle
        self.more = more            # extra DiagnosticStatus of the node's features
        self.diagnostics = FrameDiagnostics(name=f"{node.get_name()}: frames",
                                            hardware_id=node.get_fully_qualified_name(),
                                            stall_timeout=stall_timeout)
        self.node = node
        self.publisher = node.create_publisher(DiagnosticArray, "/diagnostics", QoSProfile(depth=10))
        self._processed = 0
        self.timer = node.create_timer(period, self.publish)

    def publish(self) -> None:
        stats = dict(self.stats)
        new = max(0, stats.get("processed", 0) - self._processed)
        self._processed = stats.get("processed", 0)
        latencies = [r[0] for r in list(self.records)[-new:]] if new else []
        array = self.diagnostics.update(stats, latencies, self.last_error(), self.alive(),
                                        stamp=self.node.get_clock().now().to_msg(), idle=self.idle())
        array.status.extend(self.more())
        self.publisher.publish(array)
