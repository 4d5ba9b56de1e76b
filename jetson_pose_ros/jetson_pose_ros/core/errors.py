"""Errors that carry a one-line, user-facing message."""


class PoseNetError(Exception):
    """Any error the user can act on; ``str(err)`` is a complete one-line message."""


class ModelError(PoseNetError):
    """A model file is missing, corrupt, or does not have the expected tensors."""


class InputError(PoseNetError):
    """An input image/video/frame cannot be read or converted."""
