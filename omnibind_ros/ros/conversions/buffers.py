"""Message array fields as numpy arrays (zero-copy reads) and numpy arrays as message fields.

rclpy stores `uint8[]` and other numeric sequences as ``array.array``; messages built by hand may
hold ``bytes``, ``bytearray``, ``memoryview`` or (older bindings) a list. Every buffer type is read
through ``np.frombuffer`` so no bytes are copied; only a list needs a copy.
"""

from __future__ import annotations

import array
from typing import Any

import numpy as np


def message_bytes(data: Any) -> np.ndarray:
    """A flat uint8 view of a message's byte field (shares memory with the message)."""
    return typed_view(data, np.uint8)


def typed_view(data: Any, dtype: np.dtype | type) -> np.ndarray:
    """A flat view of a numeric message field as ``dtype`` (shares memory where it can)."""
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data).reshape(-1).view(dtype)
    if isinstance(data, (list, tuple)):
        return np.asarray(data, dtype=dtype)
    return np.frombuffer(data, dtype=dtype)


def byte_array(values: np.ndarray) -> array.array:
    """The raw bytes of ``values`` (any dtype, C order) as the ``array('B')`` uint8[] fields take.

    Assigning an ``array.array`` of the field's type code skips rclpy's per-element range check.
    """
    return _array_from_bytes("B", np.ascontiguousarray(values))


def typed_array(typecode: str, values: np.ndarray) -> array.array:
    """``values`` cast to the element type of ``typecode`` ('h': int16[], 'f': float32[])."""
    return _array_from_bytes(typecode, np.ascontiguousarray(values, dtype=_TYPECODES[typecode]))


def _array_from_bytes(typecode: str, contiguous: np.ndarray) -> array.array:
    out = array.array(typecode)
    out.frombytes(contiguous.reshape(-1).view(np.uint8).data)  # one memcpy
    return out


_TYPECODES: dict[str, np.dtype] = {"h": np.dtype(np.int16), "f": np.dtype(np.float32)}
