"""Video and image I/O in the spirit of jetson-utils' videoSource / videoOutput: ``open_source(uri)``
yields ``core.capture.Capture`` (an input image and its metadata); ``open_output(uri)`` returns the
``pipeline.sinks.Sink`` a URI names.  See ``sources``, ``streams``, ``outputs``, ``http``, ``bag_output``."""
from .outputs import open_output
from .inputs import open_source
from .sources import FLIP_METHODS, Source, flip_image, read_image

__all__ = ["FLIP_METHODS", "Source", "flip_image", "open_source", "open_output", "read_image"]
