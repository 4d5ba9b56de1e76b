"""jetson_pose_ros: an ament_python ROS 2 package that is also a plain pip-installable Python package.

ROS 2:      colcon build --base-paths jetson_pose_msgs jetson_pose_ros   (see scripts/setup_ros.sh)
without ROS: pip install -e jetson_pose_ros    (rclpy is only imported by jetson_pose_ros.ros)
"""
from glob import glob
import os

from setuptools import Extension, find_packages, setup

package_name = "jetson_pose_ros"
here = os.path.dirname(os.path.abspath(__file__))


def _files(pattern):
    # relative to setup.py, whatever the current directory is (colcon and pip both chdir here)
    return sorted(os.path.relpath(p, here) for p in glob(os.path.join(here, pattern)) if os.path.isfile(p))


def _native_extensions():
    """The PAF decoder's compiled loops (jetson_pose_ros/networks/_paf_native.pyx), where Cython
    and a C compiler are present at build time (pyproject.toml asks pip for Cython; colcon uses the
    environment's); ``optional``: a failed compile is a warning, and the package then decodes with
    its numpy code (same results, slower)."""
    if os.environ.get("JETSON_POSE_BUILD_NATIVE") == "0":
        # scripts/setup.sh: the editable install skips them, colcon's build compiles them in place once
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    ext = Extension(package_name + ".networks._paf_native", [os.path.join(package_name, "networks", "_paf_native.pyx")],
                    optional=True,
                    # no fused multiply-add: the float32 results equal the numpy code's bit for bit
                    extra_compile_args=["-O3", "-ffp-contract=off"])
    return cythonize([ext], quiet=True)


setup(
    name=package_name,
    version="0.1.0",
    description="Multi-person pose estimation (jetson-inference poseNet on ONNX Runtime): library, CLI and ROS 2 node",
    long_description=__doc__,
    license="MIT",
    maintainer="jetson_pose_ros maintainers",
    maintainer_email="maintainer@example.com",
    python_requires=">=3.9",
    packages=find_packages(exclude=["test", "test.*"]),
    package_data={package_name: ["models/*.json", "models/*.txt", "gestures/*.json"]},
    include_package_data=False,
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/launch", _files("launch/*.py")),
        ("share/" + package_name + "/config", _files("config/*.yaml") + _files("config/*.xml") + _files("config/*.json")),
        ("share/" + package_name + "/rviz", _files("rviz/*.rviz")),
        # environment hook (listed in colcon.pkg): sourcing install/setup.bash sets
        # FASTDDS_DEFAULT_PROFILES_FILE to config/fastdds_large_images.xml unless the user chose a profile
        ("share/" + package_name + "/hook", _files("hook/*.dsv")),
    ],
    # compatible ranges, upper bound at the next major version (requirements.txt; the project's own
    # environment is the lock requirements/lock-py311.txt; scripts/test_newest.sh tries past the bounds)
    install_requires=["numpy>=1.24,<3", "opencv-python-headless>=4.8,<6", "onnxruntime>=1.17,<2",
                      "scipy>=1.10,<2", "tqdm>=4.60,<5", "imagesize>=1.4,<2"],
    extras_require={"test": ["pytest>=7,<10", "hypothesis>=6,<7"],
                    "openvino": ["openvino>=2025.0,<2028"],
                    "litert": ["ai-edge-litert>=2.3,<3"],
                    "recordings": ["rosbags>=0.10,<1", "mcap>=1.2,<2"],
                    # int8 variants, built on first use of --precision int8 (int8_build.py)
                    "int8": ["nncf>=2.14,<4", "onnx>=1.15,<2", "openvino>=2025.0,<2028"]},
    ext_modules=_native_extensions(),
    zip_safe=False,
    tests_require=["pytest"],
    entry_points={
        "console_scripts": [
            "posenet = jetson_pose_ros.cli.posenet:main",
            "posenet-eval = jetson_pose_ros.cli.eval:main",
            "posenet-bench = jetson_pose_ros.cli.bench:main",
            "posenet-models = jetson_pose_ros.cli.models:main",
            "posenet_node = jetson_pose_ros.ros.node:main",
            "image_publisher = jetson_pose_ros.ros.image_publisher:main",
            "pose_echo = jetson_pose_ros.ros.pose_echo:main",
        ],
    },
)
