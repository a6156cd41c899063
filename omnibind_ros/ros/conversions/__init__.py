"""ROS messages ⇄ the raw samples core takes (the contract is in ``core/samples.py``), for
every message type docs/node.md lists per modality.

Reads are zero-copy views of the message buffers wherever the layout allows; writes copy
once into the ``array.array`` fields rclpy uses. sensor_msgs_py, event_camera_py,
event_camera_msgs and audio_common_msgs are used when installed and never required; images
never go through cv_bridge (see ``image.py``).

Entry point for the node: ``converter_for(modality, msg_type)(options, topic=...)``.
"""

from omnibind_ros.ros.conversions.audio import audio_to_audio_data, audio_to_msg
from omnibind_ros.ros.conversions.converters import Converter
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.event_packet import events_to_packet
from omnibind_ros.ros.conversions.events import events_to_msg
from omnibind_ros.ros.conversions.image import image_to_msg
from omnibind_ros.ros.conversions.layouts import POINT_LAYOUTS
from omnibind_ros.ros.conversions.lidar import points_to_msg
from omnibind_ros.ros.conversions.registry import converter_for, supported_message_types
from omnibind_ros.ros.conversions.thermal import thermal_to_msg

__all__ = [
    "POINT_LAYOUTS",
    "ConversionError",
    "Converter",
    "audio_to_audio_data",
    "audio_to_msg",
    "converter_for",
    "events_to_msg",
    "events_to_packet",
    "image_to_msg",
    "points_to_msg",
    "supported_message_types",
    "thermal_to_msg",
]
