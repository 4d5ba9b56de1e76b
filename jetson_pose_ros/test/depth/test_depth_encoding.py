"""Depth images in metres by encoding; every other encoding or a bad buffer is one InputError."""
import numpy as np
import pytest

from jetson_pose_ros.depth import DEPTH_ENCODINGS, depth_from_buffer, depth_from_message, depth_to_metres
from jetson_pose_ros.core.errors import InputError


def test_units_by_encoding():
    mm = np.array([[0, 1, 1500], [2000, 65535, 250]], np.uint16)
    for enc in ("16UC1", "mono16"):
        m = depth_to_metres(mm, enc)
        assert m.dtype == np.float32
        np.testing.assert_allclose(m, mm / 1000.0, rtol=1e-6)
    metres = np.array([[np.nan, 0.0, 1.5], [2.0, np.inf, 0.25]], np.float32)
    np.testing.assert_array_equal(depth_to_metres(metres, "32FC1"), metres)    # not divided (yolo_ros #105)
    assert depth_to_metres(mm[:, :, None], "16UC1").shape == (2, 3)


@pytest.mark.parametrize("encoding", ["rgb8", "bgr8", "mono8", "32FC3", "16SC1", "64FC1", "", "16uc1"])
def test_unknown_encodings_one_error(encoding):
    with pytest.raises(InputError, match="not supported") as err:
        depth_to_metres(np.zeros((2, 2), np.uint16), encoding)
    assert "\n" not in str(err.value) and all(e in str(err.value) for e in DEPTH_ENCODINGS)


def test_dtype_must_match_the_encoding():
    with pytest.raises(InputError, match="uint16"):
        depth_to_metres(np.zeros((2, 2), np.float32), "16UC1")
    with pytest.raises(InputError, match="float32"):
        depth_to_metres(np.zeros((2, 2), np.uint16), "32FC1")
    with pytest.raises(InputError, match="shape"):
        depth_to_metres(np.zeros((2, 2, 3), np.uint16), "16UC1")


class Image:                                        # the fields of a sensor_msgs/Image
    def __init__(self, array, encoding, step=0, bigendian=False, pad=0):
        h, w = array.shape
        data = array.astype(array.dtype.newbyteorder(">" if bigendian else "<"))
        rows = data.view(np.uint8).reshape(h, -1)
        rows = np.pad(rows, ((0, 0), (0, pad)))
        self.data = rows.tobytes()
        self.height, self.width, self.encoding = h, w, encoding
        self.step = step or rows.shape[1]
        self.is_bigendian = int(bigendian)


@pytest.mark.parametrize("bigendian", [False, True])
@pytest.mark.parametrize("pad", [0, 6])
def test_from_message_fields(bigendian, pad):
    mm = (np.arange(12, dtype=np.uint16) * 250).reshape(3, 4)
    image = depth_from_message(Image(mm, "16UC1", bigendian=bigendian, pad=pad))
    assert image.scale == 0.001 and image.size == (4, 3)
    np.testing.assert_array_equal(image.raw, mm)
    np.testing.assert_allclose(image.metres(), mm / 1000.0, rtol=1e-6)
    m = (np.arange(12, dtype=np.float32) * 0.5).reshape(3, 4)
    np.testing.assert_array_equal(depth_from_message(Image(m, "32FC1", bigendian=bigendian, pad=pad)).metres(), m)


def test_short_buffers_and_bad_sizes():
    with pytest.raises(InputError, match="bytes"):
        depth_from_buffer(b"\0" * 23, 4, 3, "16UC1")
    with pytest.raises(InputError, match="bytes"):
        depth_from_buffer(b"\0" * 48, 4, 3, "16UC1", step=4)
    with pytest.raises(InputError, match="not supported"):
        depth_from_buffer(b"\0" * 48, 4, 3, "rgb8")
    assert depth_from_buffer(bytearray(24), 4, 3, "16UC1").shape == (3, 4)
