"""jetson-inference's "pointing direction" example as a ROS 2 subscriber of posenet_node's `poses`."""
import rclpy
from rclpy.node import Node

from jetson_pose_msgs.msg import Pose2DArray


class Pointing(Node):
    def __init__(self):
        super().__init__("pointing")
        self.create_subscription(Pose2DArray, "poses", self.on_poses, 10)

    def on_poses(self, msg):
        wrist = msg.keypoint_names.index("left_wrist")        # keypoints are indexed by topology id
        shoulder = msg.keypoint_names.index("left_shoulder")
        for pose in msg.poses:
            left_wrist, left_shoulder = pose.keypoints[wrist], pose.keypoints[shoulder]
            if not (left_wrist.found and left_shoulder.found):  # not all keypoints are always found
                continue
            point_x = left_shoulder.x - left_wrist.x
            point_y = left_shoulder.y - left_wrist.y
            print(f"person {pose.index} is pointing towards ({point_x}, {point_y})", flush=True)


def main():
    rclpy.init()
    rclpy.spin(Pointing())


if __name__ == "__main__":
    main()
