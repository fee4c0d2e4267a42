"""The error root of the ``tools`` layer: every failure raised here derives from ToolError."""


class ToolError(Exception):
    """A tool could not do what was asked; the message says why and what to do about it."""
