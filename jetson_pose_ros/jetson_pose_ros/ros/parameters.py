"""The node's ROS parameters, generated from the options table (``options.OPTIONS``, every
option with ``ros=True``): declared with their type, description, range and read-only flag,
read back and validated with the same checks as the library and the CLI."""
from __future__ import annotations

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType

from ..core.errors import PoseNetError
from ..core.options import OPTIONS, Option
from ..core.registry import default_network

ROS_OPTIONS: dict[str, Option] = {n: o for n, o in OPTIONS.items() if o.ros}
RUNTIME = [n for n, o in ROS_OPTIONS.items() if o.runtime]


def ros_default(opt: Option):
    """An option's default as a typed ROS value: unset numbers are -1, unset strings ''."""
    if opt.name == "network":
        return default_network()
    if opt.default is None:
        return -1.0 if opt.type is float else -1 if opt.type is int else ""
    return opt.default


def describe(opt: Option) -> ParameterDescriptor:
    text = opt.help
    if opt.nullable and opt.type in (int, float):
        text += " (-1: the network's default)"
    if opt.choices:
        text += f" ({' | '.join(opt.choices)})"
    if opt.runtime:
        text += " [runtime-changeable]"
    desc = ParameterDescriptor(description=text, read_only=not opt.runtime,
                               dynamic_typing=opt.type is float)   # accept 1 as well as 1.0
    if opt.min is not None and opt.max is not None and not opt.nullable:
        if opt.type is float:
            desc.floating_point_range = [FloatingPointRange(from_value=float(opt.min), to_value=float(opt.max))]
        elif opt.type is int:
            desc.integer_range = [IntegerRange(from_value=int(opt.min), to_value=int(opt.max), step=1)]
    return desc


def declare(node) -> dict:
    """Declare every parameter; returns the validated start-up values (name -> library value).
    A bad value is a ``PoseNetError`` naming the parameter."""
    for name, opt in ROS_OPTIONS.items():
        node.declare_parameter(name, ros_default(opt), describe(opt))
    return check({name: node.get_parameter(name).value for name in ROS_OPTIONS})


def check(values: dict) -> dict:
    """ROS values -> library values (unset numbers -1 / strings '' -> None), validated."""
    out = {}
    for name, value in values.items():
        opt = ROS_OPTIONS.get(name)
        if opt is None:
            continue
        if opt.nullable and value in ("", None):
            value = None
        try:
            out[name] = opt.check(value)
        except PoseNetError as err:
            raise PoseNetError(f"parameter {str(err).removeprefix('option ')}") from None
    return out


def changes(params) -> dict:
    """``on_set_parameters`` list -> validated {name: value} of our parameters; raises
    PoseNetError for an unset parameter or a bad value."""
    values = {}
    for prm in params:
        if prm.name not in ROS_OPTIONS:
            continue
        if prm.type_ == ParameterType.PARAMETER_NOT_SET:
            raise PoseNetError(f"{prm.name} cannot be unset")
        values[prm.name] = prm.value
    return check(values)


def usage(summary: str) -> str:
    """``posenet_node --help``: every parameter with its type, default and meaning."""
    lines = [summary, "",
             "usage: posenet_node [--help] [--ros-args -p NAME:=VALUE ... -r image:=TOPIC --params-file FILE]", "",
             "parameters (name type default: meaning; [runtime-changeable] ones also with `ros2 param set`):"]
    for name, opt in ROS_OPTIONS.items():
        lines.append(f"  {name:<22} {opt.type.__name__:<5} {ros_default(opt)!r}: {describe(opt).description}")
    lines += ["", "topics: image (in; or <image>/compressed with input_compressed), poses, detections, overlay, "
              "markers (out); with depth_topic: depth_topic + camera_info (in), poses_3d, markers_3d, /tf (out)", "lifecycle: ros2 lifecycle set /posenet deactivate|activate|cleanup|configure"]
    return "\n".join(lines)
