"""Video and image I/O (sources and outputs), in the spirit of jetson-utils'
videoSource / videoOutput.  See ``sources``, ``streams``, ``outputs``, ``http``."""
from .outputs import open_output
from .inputs import open_source
from .sources import FLIP_METHODS, Frame, Source, flip_image, read_image

__all__ = ["FLIP_METHODS", "Frame", "Source", "flip_image", "open_source", "open_output", "read_image"]
