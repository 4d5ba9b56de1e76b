"""Image -> tensor conversion: the 8-bit table path (cv2.LUT) gives exactly the tensor of the
float32 array arithmetic it replaces, for every input spec the registry uses and odd ones
(no models or data needed)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jetson_pose_ros.preprocess import InputSpec, to_tensor
from jetson_pose_ros.core.registry import get_network


def arithmetic(pixels, spec):
    arr = pixels.astype(np.float32)
    arr *= np.float32(spec.scale)
    arr -= np.asarray(spec.mean, np.float32)
    arr /= np.asarray(spec.std, np.float32)
    arr = arr.transpose(2, 0, 1) if spec.layout == "NCHW" else arr
    return arr[None]


def registry_specs():
    for name in ("mobilenet-body", "yolo11n-body", "resnet18-body", "blazepose-body", "mediapipe-hand"):
        entry = get_network(name)
        yield name, InputSpec.from_dict(entry.input)
        if "landmark_input" in entry.entry:
            yield f"{name} landmark", InputSpec.from_dict(entry.entry["landmark_input"])


@pytest.mark.parametrize("name,spec", list(registry_specs()), ids=lambda v: v if isinstance(v, str) else "")
def test_table_path_equals_the_arithmetic_for_registry_specs(name, spec):
    if spec.dtype != "float32":
        pytest.skip(f"{name} takes {spec.dtype}")
    pixels = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    pixels[0, :3] = [[0, 0, 0], [255, 255, 255], [127, 128, 129]]
    got = to_tensor(pixels, spec)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    assert np.array_equal(got, arithmetic(pixels, spec))


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(1e-4, 10.0), mean=st.tuples(*[st.floats(-300, 300)] * 3),
       std=st.tuples(*[st.floats(0.01, 100.0)] * 3), layout=st.sampled_from(["NCHW", "NHWC"]),
       seed=st.integers(0, 2**31 - 1))
def test_table_path_equals_the_arithmetic_for_any_spec(scale, mean, std, layout, seed):
    spec = InputSpec("x", (8, 8), layout=layout, scale=scale, mean=mean, std=std)
    pixels = np.random.default_rng(seed).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    assert np.array_equal(to_tensor(pixels, spec), arithmetic(pixels, spec))


def test_non_8bit_pixels_take_the_array_path():
    spec = InputSpec("x", (8, 8), scale=0.5, mean=(1.0, 2.0, 3.0))
    pixels = np.random.default_rng(1).uniform(0, 1000, (5, 6, 3)).astype(np.float32)
    assert np.allclose(to_tensor(pixels, spec), arithmetic(pixels, spec))
