"""The node's ROS-free half: sensor slots, their streams, encoding, fusion and hot-plug rules.

The perception node drives these objects with rclpy (messages in, the ROS clock); offline
evaluation drives the same objects with recorded messages and bag time. Nothing here imports
rclpy or a ROS message package (a test enforces it).
"""
