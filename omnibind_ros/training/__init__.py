"""Offline training of OmniBind: stage I (CAD) and stage II (AF) losses, the modality-free dataset.

Depends on ``omnibind_ros.core`` only; never on ROS.
"""
