"""sensor_msgs/Image <-> numpy conversions against OpenCV, with real sensor_msgs message classes."""
from __future__ import annotations

import array

import numpy as np
import pytest

import ros_helpers

ros_helpers.require_ros()

import cv2  # noqa: E402
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402

from jetson_pose_ros.core.errors import InputError  # noqa: E402
from jetson_pose_ros.msgs import image_conversion as conv  # noqa: E402


@pytest.fixture(scope="module")
def photo():
    # an odd width (91) catches row-stride mistakes; the YUV tests crop to an even width
    return np.ascontiguousarray(ros_helpers.load_bgr("humans_1.jpg")[100:157, 200:291])


def make_msg(raw: np.ndarray, encoding: str, pad: int = 0, big_endian: bool = False) -> Image:
    """Build an Image by hand (independently of the module under test): rows of ``raw`` (HxWxC in the
    encoding's channel order), each followed by ``pad`` garbage bytes."""
    raw = np.asarray(raw)
    if raw.ndim == 2:
        raw = raw[:, :, None]
    h, w = raw.shape[:2]
    if raw.dtype == np.uint16:
        raw = raw.astype(">u2" if big_endian else "<u2")
    rows = raw.reshape(h, -1).view(np.uint8).reshape(h, -1)
    if pad:
        garbage = np.random.default_rng(pad).integers(0, 256, (h, pad), dtype=np.uint8)
        rows = np.concatenate([rows, garbage], axis=1)
    msg = Image(height=h, width=w, encoding=encoding, is_bigendian=int(big_endian), step=rows.shape[1])
    msg.data = array.array("B", rows.tobytes())
    # through the wire format, as the node receives it
    return deserialize_message(serialize_message(msg), Image)


# encoding -> (BGR -> raw conversion, raw -> BGR conversion), both by OpenCV
COLOR_CASES = {
    "bgr8": (None, None),
    "rgb8": (cv2.COLOR_BGR2RGB, cv2.COLOR_RGB2BGR),
    "bgra8": (cv2.COLOR_BGR2BGRA, cv2.COLOR_BGRA2BGR),
    "rgba8": (cv2.COLOR_BGR2RGBA, cv2.COLOR_RGBA2BGR),
    "mono8": (cv2.COLOR_BGR2GRAY, cv2.COLOR_GRAY2BGR),
}


@pytest.mark.parametrize("pad", [0, 5])
@pytest.mark.parametrize("encoding", list(COLOR_CASES))
def test_8bit_encodings_match_opencv(photo, encoding, pad):
    to_raw, to_bgr = COLOR_CASES[encoding]
    raw = photo if to_raw is None else cv2.cvtColor(photo, to_raw)
    if encoding in ("rgba8", "bgra8"):  # a real alpha channel must be ignored
        raw = raw.copy()
        raw[:, :, 3] = np.arange(raw.shape[1], dtype=np.uint8)[None, :]
    msg = make_msg(raw, encoding, pad)
    assert msg.step == raw.shape[1] * (raw.shape[2] if raw.ndim == 3 else 1) + pad
    np.testing.assert_array_equal(conv.image_to_numpy(msg), raw)
    bgr = conv.image_to_bgr(msg)
    expected = raw if to_bgr is None else cv2.cvtColor(raw, to_bgr)
    assert bgr.shape == photo.shape[:2] + (3,) and bgr.dtype == np.uint8 and bgr.flags.c_contiguous
    np.testing.assert_array_equal(bgr, expected)
    if encoding != "mono8":
        np.testing.assert_array_equal(bgr, photo)


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("pad", [0, 6])
def test_mono16_byte_order_and_padding(photo, big_endian, pad):
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
    gray[::3, ::2] += 1  # low bytes that differ from the high bytes
    msg = make_msg(gray, "mono16", pad, big_endian)
    assert msg.is_bigendian == int(big_endian)
    np.testing.assert_array_equal(conv.image_to_numpy(msg), gray)
    expected = cv2.cvtColor((gray >> 8).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    np.testing.assert_array_equal(conv.image_to_bgr(msg), expected)
    # reading big-endian data as little-endian would swap the bytes: make sure the flag matters
    flipped = make_msg(gray, "mono16", pad, big_endian)
    flipped.is_bigendian = int(not big_endian)
    assert not np.array_equal(conv.image_to_numpy(flipped), gray)


@pytest.mark.parametrize("pad", [0, 4])
@pytest.mark.parametrize("encoding,code", [("yuv422", cv2.COLOR_YUV2BGR_UYVY), ("uyvy", cv2.COLOR_YUV2BGR_UYVY),
                                           ("yuv422_yuy2", cv2.COLOR_YUV2BGR_YUY2),
                                           ("yuyv", cv2.COLOR_YUV2BGR_YUY2)])
def test_yuv422_matches_opencv(photo, encoding, code, pad):
    even = np.ascontiguousarray(photo[:, :90])
    uyvy = encoding in ("yuv422", "uyvy")
    raw = conv.bgr_to_yuv422(even, uyvy=uyvy)
    msg = make_msg(raw, encoding, pad)
    assert msg.step == even.shape[1] * 2 + pad
    bgr = conv.image_to_bgr(msg)
    np.testing.assert_array_equal(bgr, cv2.cvtColor(raw, code))
    # and the packing is right: the decoded colours are close to the original photo
    assert np.abs(bgr.astype(int) - even.astype(int)).mean() < 8
    # a random byte stream decodes exactly as OpenCV decodes it
    rnd = np.random.default_rng(1).integers(0, 256, (8, 10, 2), dtype=np.uint8)
    np.testing.assert_array_equal(conv.image_to_bgr(make_msg(rnd, encoding, pad)), cv2.cvtColor(rnd, code))


def test_uyvy_and_yuyv_orders_differ(photo):
    even = np.ascontiguousarray(photo[:, :90])
    raw = conv.bgr_to_yuv422(even, uyvy=True)
    as_uyvy = conv.image_to_bgr(make_msg(raw, "uyvy"))
    as_yuyv = conv.image_to_bgr(make_msg(raw, "yuyv"))
    assert np.abs(as_uyvy.astype(int) - as_yuyv.astype(int)).mean() > 5


@pytest.mark.parametrize("encoding", ["bgr8", "rgb8", "bgra8", "rgba8", "mono8", "mono16", "yuv422", "yuv422_yuy2"])
@pytest.mark.parametrize("big_endian", [False, True])
def test_bgr_to_image_round_trip(photo, encoding, big_endian):
    even = np.ascontiguousarray(photo[:, :90])
    msg = conv.bgr_to_image(even, encoding, step=None if encoding.startswith("yuv") else 90 * 8 + 2,
                            is_bigendian=big_endian)
    msg = deserialize_message(serialize_message(msg), Image)
    assert (msg.width, msg.height, msg.encoding) == (90, even.shape[0], encoding)
    back = conv.image_to_bgr(msg)
    if encoding in ("mono8", "mono16"):
        np.testing.assert_array_equal(back, cv2.cvtColor(cv2.cvtColor(even, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR))
    elif encoding.startswith("yuv"):
        assert np.abs(back.astype(int) - even.astype(int)).mean() < 8
    else:
        np.testing.assert_array_equal(back, even)


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_compressed(photo, fmt):
    msg = conv.bgr_to_compressed(photo, fmt)
    msg = deserialize_message(serialize_message(msg), CompressedImage)
    assert msg.format == fmt
    out = conv.compressed_to_bgr(msg)
    expected = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(out, expected)
    if fmt == "png":
        np.testing.assert_array_equal(out, photo)
    else:
        assert np.abs(out.astype(int) - photo.astype(int)).mean() < 6


def _bad(**fields) -> Image:
    msg = Image(height=4, width=6, encoding="bgr8", step=18)
    msg.data = array.array("B", bytes(4 * 18))
    for key, value in fields.items():
        setattr(msg, key, value)
    return msg


@pytest.mark.parametrize("fields,message", [
    ({"encoding": "foo16"}, "unsupported image encoding 'foo16'"),
    ({"encoding": ""}, "unsupported image encoding ''"),
    ({"width": 0, "step": 0}, "width and height must be > 0"),
    ({"height": 0}, "width and height must be > 0"),
    ({"data": array.array("B", bytes(4 * 18 - 1))}, "expected height*step"),
    ({"step": 17}, "step 17 is smaller"),
    ({"encoding": "mono16", "step": 13}, "step 13"),
    ({"encoding": "yuv422", "width": 5, "step": 10}, "even width"),
])
def test_bad_images_raise_input_error(fields, message):
    with pytest.raises(InputError) as info:
        conv.image_to_bgr(_bad(**fields))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("data,fmt", [(b"", "jpeg"), (b"\xff\xd8\xff\xe0garbage" * 20, "jpeg"),
                                      (b"not an image at all", "png")])
def test_bad_compressed_raise_input_error(data, fmt):
    msg = CompressedImage(format=fmt)
    msg.data = array.array("B", data)
    with pytest.raises(InputError):
        conv.compressed_to_bgr(msg)


def test_truncated_jpeg_is_rejected(photo):
    ok = conv.bgr_to_compressed(photo, "jpeg")
    cut = CompressedImage(format="jpeg")
    cut.data = array.array("B", bytes(ok.data)[:40])  # only the headers
    with pytest.raises(InputError):
        conv.compressed_to_bgr(cut)
