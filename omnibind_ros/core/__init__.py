"""ROS-free model layer: modality specs, preprocessing, encoders, fusion, labels, bundles.

Nothing under this package may import rclpy or any ROS message package.
"""
