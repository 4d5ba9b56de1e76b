"""What a feature adds to the node: more inputs, more result topics, more diagnostics.

A feature (3D from depth, REP-155 bodies, gestures ...) is one class with the methods below, listed
in ``node.make_extensions`` and built at configure.  The node calls them at fixed points, so a
feature never edits the node's frame loop:

* ``configure(node, outputs)``: create publishers; every RESULT publisher through
  ``outputs.create(...)`` (the lazy rule then counts its subscribers), ``/tf`` and other
  descriptive topics through ``node.create_publisher``; return False (after logging one line) to
  switch the feature off while the node runs on;
* ``subscribe(node, qos)`` / ``unsubscribe(node)``: the feature's own inputs (depth, camera_info),
  called together with the image input's, so they follow the idle rule and ``~/enable``;
* ``on_result(frame, header, image)``: after ``poses`` is published for a frame (``frame`` the
  pipeline's PoseFrame, ``header`` the input image's, ``image`` its BGR pixels); a failure here is
  reported like a bad frame and never stops the node;
* ``statuses()``: extra ``diagnostic_msgs/DiagnosticStatus`` for ``/diagnostics``, once a second;
* ``release(node)``: destroy what ``configure`` created (cleanup / shutdown).

``NodeExtension`` does nothing in each, so a feature overrides only what it needs.
"""
from __future__ import annotations


class NodeExtension:
    name = "extension"

    def configure(self, node, outputs) -> bool:
        return True

    def subscribe(self, node, qos) -> None:
        pass

    def unsubscribe(self, node) -> None:
        pass

    def on_result(self, frame, header, image) -> None:
        pass

    def statuses(self) -> list:
        return []

    def release(self, node) -> None:
        pass
