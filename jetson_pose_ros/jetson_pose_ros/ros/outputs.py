"""The node's data outputs and the rule that decides whether its input is wanted.

``DataOutputs`` holds every publisher the node creates for results (``poses``, ``detections``,
``overlay``, ``markers``, and any result topic added later: each is created through
:meth:`DataOutputs.create`, so the lazy rule needs no list of names).  ``/diagnostics``,
``~/vision_info`` and ``/tf`` are created with the node's plain ``create_publisher``: they describe
the node, and a listener on them is no reason to run the network.

``input_wanted(active, enabled, lazy, listened)`` is the whole rule: the input is subscribed while
the node is active and enabled, and, with ``lazy``, only while somebody listens to a data output.
"""
from __future__ import annotations


class DataOutputs:
    """Publishers of results; ``listened()`` is true while any of them has a subscriber."""

    def __init__(self, node):
        self._node = node
        self._publishers: list = []

    def create(self, msg_type, topic: str, qos):
        pub = self._node.create_publisher(msg_type, topic, qos)
        self._publishers.append(pub)
        return pub

    def destroy(self, pub) -> None:
        if pub in self._publishers:
            self._publishers.remove(pub)
        self._node.destroy_publisher(pub)

    def listened(self) -> bool:
        return any(pub.get_subscription_count() > 0 for pub in self._publishers)

    def topics(self) -> list[str]:
        return [pub.topic_name for pub in self._publishers]

    def __len__(self) -> int:
        return len(self._publishers)


def input_wanted(active: bool, enabled: bool, lazy: bool, listened: bool) -> bool:
    return active and enabled and (listened or not lazy)


def idle_reason(active: bool, enabled: bool, lazy: bool, listened: bool) -> str | None:
    """Why the input is not subscribed (for /diagnostics and the log), or None while it is."""
    if not active:
        return "inactive (lifecycle)"
    if not enabled:
        return "disabled (enable service)"
    if lazy and not listened:
        return "no subscribers"
    return None
