"""The one error evaluation reports to the user: a line naming the file and what is wrong."""

from __future__ import annotations

from omnibind_ros.core.errors import OmniBindError


class EvalError(OmniBindError):
    """A bag, parameter file or annotation file that cannot be evaluated; the message says why."""
