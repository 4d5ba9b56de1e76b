"""Robustness (issue 10): hostile inputs, parameters and output paths for the library, the
``posenet`` CLI and ``posenet-eval`` give one clear line (or are handled), never a traceback; the
good input after them is still processed correctly.  Bad inputs are generated here
(``bad_inputs.py``; property-based with ``hypothesis`` for image bytes/messages, options and
sizes).  The node's side is in test_robustness_node.py."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bad_inputs as bad
from jetson_pose_ros.core.errors import InputError, PoseNetError
from jetson_pose_ros.image_read import DEFAULT_MAX_IMAGE_PIXELS, read_image_bytes
from jetson_pose_ros.core.options import OPTIONS
from jetson_pose_ros.msgs import image_conversion as conv

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- image bytes
@pytest.mark.parametrize("data,words", [
    (lambda: bad.png_claiming(40000, 40000), "40000x40000"),
    (lambda: bad.png_bomb(20000, 20000), "20000x20000"),
    (lambda: bad.jpeg_claiming(20000, 20000), "20000x20000"),
    (lambda: bad.truncated(bad.jpeg_bytes(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))),
     "truncated"),
    (lambda: bad.truncated(bad.png_bytes(np.random.default_rng(2).integers(0, 255, (64, 64, 3), np.uint8))),
     "truncated"),
    (lambda: b"", "no data"),
    (lambda: b"\xff\xd8\xff\xe0 not really a jpeg", "not a readable image"),
])
def test_bad_image_bytes_are_one_input_error(data, words):
    with pytest.raises(InputError) as info:
        read_image_bytes(data(), "x.img")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_limit_is_checked_before_decoding():
    # 20000x20000 claimed by an 8x8 PNG: refused from the header, even though the data is tiny
    with pytest.raises(InputError, match="max_image_pixels = 1000"):
        read_image_bytes(bad.png_bytes(np.zeros((40, 40, 3), np.uint8)), "small.png", max_pixels=1000)
    img = read_image_bytes(bad.png_bytes(np.full((40, 30, 3), 7, np.uint8)), "ok.png", max_pixels=1200)
    assert img.shape == (40, 30, 3) and int(img[0, 0, 0]) == 7
    assert DEFAULT_MAX_IMAGE_PIXELS == OPTIONS["max_image_pixels"].default == 50_000_000


@FAST
@given(st.binary(max_size=2048) | st.builds(lambda b, i, v: b[:i] + bytes([v]) + b[i + 1:],
                                             st.sampled_from([bad.jpeg_bytes(np.full((24, 24, 3), 90, np.uint8)),
                                                              bad.png_bytes(np.full((24, 24, 3), 90, np.uint8))]),
                                             st.integers(0, 400), st.integers(0, 255)))
def test_fuzzed_image_bytes_decode_or_input_error(data):
    try:
        img = read_image_bytes(data, "fuzz", max_pixels=1_000_000)
    except InputError as err:
        assert "\n" not in str(err)
    else:
        assert img.ndim == 3 and img.shape[2] == 3 and img.shape[0] * img.shape[1] <= 1_000_000


# ----------------------------------------------------------------------------- raw Image fields
@pytest.mark.parametrize("kind", list(bad.BAD_RAW))
def test_bad_raw_image_fields_are_one_input_error(kind):
    with pytest.raises(InputError) as info:
        conv.image_to_bgr(bad.image_fields(**bad.BAD_RAW[kind]))
    assert "\n" not in str(info.value)


@FAST
@given(width=st.integers(-2, 70000), height=st.integers(-2, 70000), step=st.integers(-1, 300000),
       encoding=st.sampled_from(conv.supported_encodings() + ["", "BGR8", "jpeg", "16UC3"]),
       size=st.integers(0, 20000), big=st.booleans())
def test_fuzzed_raw_image_fields(width, height, step, encoding, size, big):
    msg = bad.image_fields(width=width, height=height, step=step, encoding=encoding, data=bytes(size),
                           is_bigendian=int(big))
    try:
        out = conv.image_to_bgr(msg, max_pixels=10_000_000)
    except InputError as err:
        assert "\n" not in str(err)
    else:
        assert out.shape == (height, width, 3) and out.dtype == np.uint8


def test_compressed_bomb_refused_and_good_frame_decoded():
    from types import SimpleNamespace

    with pytest.raises(InputError, match="larger than max_image_pixels"):
        conv.compressed_to_bgr(SimpleNamespace(format="png", data=bad.png_bomb(20000, 20000)))
    good = np.random.default_rng(3).integers(0, 255, (32, 48, 3), np.uint8)
    out = conv.compressed_to_bgr(SimpleNamespace(format="png", data=bad.png_bytes(good)))
    assert np.array_equal(out, good)


# ----------------------------------------------------------------------------- options
NUMERIC = [o for o in OPTIONS.values() if o.type in (int, float)]


@FAST
@given(opt=st.sampled_from(NUMERIC),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**15, 10**15),
                       st.sampled_from(["nan", "inf", "-inf", "1e12", "", "x", None, True, [1]])))
def test_every_numeric_option_is_finite_and_in_range_or_refused(opt, value):
    try:
        out = opt.check(value)
    except PoseNetError as err:
        assert "\n" not in str(err) and opt.name in str(err)
        return
    if out is None:
        assert opt.nullable or value is None
        return
    assert math.isfinite(out)
    assert opt.min is None or out >= opt.min and not (opt.min_exclusive and out == opt.min)
    assert opt.max is None or out <= opt.max


@FAST
@given(st.one_of(st.tuples(st.integers(-5, 200000), st.integers(-5, 200000)).map(lambda t: f"{t[0]}x{t[1]}"),
                 st.text(max_size=12)))
def test_input_size_bounded(text):
    try:
        size = OPTIONS["input_size"].check(text)
    except PoseNetError as err:
        assert "\n" not in str(err)
        return
    assert size is None or all(16 <= v <= 8192 for v in size)


@pytest.fixture(scope="module")
def small_png(tmp_path_factory):
    import cv2

    path = tmp_path_factory.mktemp("img") / "small.png"
    cv2.imwrite(str(path), np.full((30, 40, 3), 99, np.uint8))
    return str(path)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(width=st.none() | st.integers(-3, 10**7), height=st.none() | st.integers(-3, 10**7))
def test_cli_input_sizes_resize_or_one_line(small_png, width, height):
    """``--input-width/--input-height`` of any size: the frame is resized, or it is one error line
    (never a multi-GB allocation): the resized size is checked against max_image_pixels first."""
    from jetson_pose_ros.io.sources import ImageListSource, target_size

    try:
        source = ImageListSource([small_png], width=width, height=height, max_pixels=4_000_000)
    except InputError as err:
        assert "\n" not in str(err) and min(v for v in (width, height) if v is not None) <= 0
        return
    (frame,) = list(source)
    w, h = target_size(40, 30, width, height)
    if w * h > 4_000_000:
        assert frame.image is None and "larger than max_image_pixels" in frame.error
    else:
        assert frame.image.shape == (h, w, 3)
