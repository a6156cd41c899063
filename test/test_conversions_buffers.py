"""Message array fields of every Python type read as numpy views, and written back as arrays."""

import array

import numpy as np
import pytest

from omnibind_ros.ros.conversions.buffers import byte_array, message_bytes, typed_array, typed_view

PAYLOAD = bytes(range(8))


@pytest.mark.parametrize(
    "field",
    [array.array("B", PAYLOAD), PAYLOAD, bytearray(PAYLOAD), memoryview(PAYLOAD), list(PAYLOAD)],
    ids=["array", "bytes", "bytearray", "memoryview", "list"],
)
def test_every_field_type_reads_as_the_same_bytes(field):
    np.testing.assert_array_equal(message_bytes(field), np.arange(8, dtype=np.uint8))


def test_buffer_fields_are_read_without_copying():
    field = array.array("B", PAYLOAD)
    view = message_bytes(field)
    field[0] = 99
    assert view[0] == 99


def test_typed_view_reinterprets_an_int16_field():
    field = array.array("h", [-2, 0, 300])
    np.testing.assert_array_equal(typed_view(field, np.int16), [-2, 0, 300])


def test_byte_array_holds_raw_bytes_of_structured_records():
    records = np.zeros(2, dtype=[("a", "<u2"), ("b", "<f4")])
    records["a"] = [1, 2]
    out = byte_array(records)
    assert out.typecode == "B" and len(out) == 12
    assert bytes(out) == records.tobytes()


def test_typed_array_casts_to_the_field_type():
    out = typed_array("f", np.array([0.5, -1.0], dtype=np.float64))
    assert out.typecode == "f" and list(out) == [0.5, -1.0]
