"""Video and image I/O (sources and outputs), in the spirit of jetson-utils."""
from .outputs import open_output
from .sources import Frame, open_source, read_image

__all__ = ["Frame", "open_source", "open_output", "read_image"]
