"""ROS 2 layer: the perception node, sensor slots, message conversions, simulated publishers.

The only part of the package that imports rclpy and ROS message packages.
"""
