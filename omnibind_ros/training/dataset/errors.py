"""The error a dataset raises when a manifest, alias map or file cannot be used."""

from omnibind_ros.core.errors import OmniBindError


class DatasetError(OmniBindError, ValueError):
    """A dataset that cannot be read or built; the message names the file (and line) to fix."""
