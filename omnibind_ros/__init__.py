"""omnibind_ros: fuse whatever sensors a robot has into one embedding space (OmniBind)."""

__version__ = "0.1.0"
