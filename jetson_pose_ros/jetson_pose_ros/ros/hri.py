"""``hri:=true``: REP-155 (ROS4HRI) bodies from the tracked poses of a body network.

Every confirmed track is a body ``b<track_id>`` (``rep155.body_id``).  Published per frame:

* ``/humans/bodies/tracked`` (hri_msgs/IdsList): the bodies whose track the tracker still holds
  (seen now or lost for at most ``track_max_lost`` frames), sorted; published every frame;
* per body seen in the frame, under ``/humans/bodies/<id>/``: ``roi``
  (NormalizedRegionOfInterest2D), ``cropped`` (sensor_msgs/Image bgr8, the box's pixels),
  ``skeleton2d`` (Skeleton2D, 18 points in the REP's order, neck synthesised from the shoulders
  where the network has none), ``gesture`` (hri_msgs/Gesture: the debounced label's nearest value,
  OTHER for pointing) and ``posture`` (hri_msgs/BodyPosture).

A body's topics are created in the frame its track is first confirmed and destroyed once its track
has ended; ``tracked`` is published first (a body that left is out of the list before its topics
go).  Going idle (lazy, ``~/enable`` false, deactivate) ends every body the same way.

Lazy rule: ``tracked`` and the per-body topics are data outputs (``outputs.create``): a node whose
only listener follows ``/humans/bodies/tracked`` keeps processing.  The node switches tracking and
the gestures stage on for this mode (``node.py``).  Without ``hri_msgs`` the mode logs one line and
the node runs without it.
"""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from ..msgs import rep155
from ..msgs import image_conversion as conv
from .extensions import NodeExtension

PREFIX = "/humans/bodies"
PER_BODY = ("roi", "cropped", "skeleton2d", "gesture", "posture")


class HriBodies(NodeExtension):
    name = "hri"

    def __init__(self):
        self.node = self.outputs = self.tracked_pub = None
        self.bodies: dict[int, dict] = {}          # track id -> {topic suffix: publisher}

    # ------------------------------------------------------------------ set-up
    def configure(self, node, outputs) -> bool:
        try:   # optional: hri_msgs (ros2-extras or a ROS distribution); without it the node runs on
            from hri_msgs import msg as hri
        except ImportError as err:
            node.get_logger().error(f"hri: hri_msgs is not installed ({err}): no /humans/bodies topics; "
                                    "the rest of the node runs")
            return False
        if node.pipeline.topology.num_keypoints == 21:
            node.get_logger().warning("hri: REP-155 bodies need a body network, not a hand network; off")
            return False
        self.msg = hri
        self.hardware_id = node.get_fully_qualified_name()
        self.types = {"roi": hri.NormalizedRegionOfInterest2D, "cropped": Image, "skeleton2d": hri.Skeleton2D,
                      "gesture": hri.Gesture, "posture": hri.BodyPosture}
        self.qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=5, durability=DurabilityPolicy.VOLATILE,
                              reliability=ReliabilityPolicy.RELIABLE)
        self.node, self.outputs = node, outputs
        self.tracked_pub = outputs.create(hri.IdsList, f"{PREFIX}/tracked", self.qos)
        return True

    # ------------------------------------------------------------------ frames
    def on_result(self, frame, header, image) -> None:
        live = self.node.pipeline.live_track_ids()
        seen = [(i, int(t)) for i, t in enumerate(frame.track_ids.tolist()) if t >= 0 and t in live]
        for _, tid in seen:
            if tid not in self.bodies:
                self._create(tid)
        ended = [tid for tid in self.bodies if tid not in live]
        self._publish_tracked(header, [t for t in self.bodies if t not in ended])
        for tid in ended:
            self._destroy(tid)
        for i, tid in seen:
            self._publish_body(self.bodies[tid], frame, i, header, image)

    def _publish_tracked(self, header, ids) -> None:
        self.tracked_pub.publish(self.msg.IdsList(header=header, ids=[rep155.body_id(t) for t in sorted(ids)]))

    def _create(self, tid: int) -> None:
        base = f"{PREFIX}/{rep155.body_id(tid)}"
        self.bodies[tid] = {name: self.outputs.create(self.types[name], f"{base}/{name}", self.qos)
                            for name in PER_BODY}

    def _destroy(self, tid: int) -> None:
        for pub in self.bodies.pop(tid).values():
            self.outputs.destroy(pub)

    def _publish_body(self, pubs: dict, frame, i: int, header, image) -> None:
        hri = self.msg
        box = frame.boxes[i]
        xmin, ymin, xmax, ymax, c = rep155.roi(box, frame.image_size, frame.pose_scores[i])
        pubs["roi"].publish(hri.NormalizedRegionOfInterest2D(header=header, xmin=xmin, ymin=ymin, xmax=xmax,
                                                             ymax=ymax, c=c))
        if pubs["cropped"].get_subscription_count() > 0 and image is not None:
            pixels = rep155.crop(image, box)
            if pixels is not None:
                pubs["cropped"].publish(conv.bgr_to_image(pixels, "bgr8", header=header))
        points = rep155.skeleton(frame.xy[i], frame.scores[i], frame.keypoint_names, frame.image_size)
        pubs["skeleton2d"].publish(hri.Skeleton2D(header=header, skeleton=[
            hri.NormalizedPointOfInterest2D(x=float(x), y=float(y), c=float(s)) for x, y, s in points.tolist()]))
        attrs = frame.attributes[i]
        if "gesture" in attrs:
            pubs["gesture"].publish(hri.Gesture(header=header,
                                                gesture=rep155.gesture_code(attrs["gesture"]["label"])))
        if "posture" in attrs:
            pubs["posture"].publish(hri.BodyPosture(header=header,
                                                    posture=rep155.posture_code(attrs["posture"]["label"])))

    def statuses(self) -> list:
        """``/diagnostics``: how many REP-155 bodies have topics now, and their IDs."""
        ids = [rep155.body_id(t) for t in sorted(self.bodies)]
        return [DiagnosticStatus(level=DiagnosticStatus.OK, name="posenet: hri bodies",
                                 hardware_id=getattr(self, "hardware_id", ""),
                                 message=f"{len(ids)} bodies", values=[KeyValue(key="ids", value=",".join(ids))])]

    # ------------------------------------------------------------------ idle / release
    def unsubscribe(self, node) -> None:
        """No more frames (idle, disabled, deactivated): every body ends now."""
        if self.bodies and self.tracked_pub is not None:
            self._publish_tracked(Header(stamp=node.get_clock().now().to_msg()), [])
            for tid in list(self.bodies):
                self._destroy(tid)

    def release(self, node) -> None:
        for tid in list(self.bodies):
            self._destroy(tid)
        if self.tracked_pub is not None:
            self.outputs.destroy(self.tracked_pub)
            self.tracked_pub = None
