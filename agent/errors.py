"""The error root of the ``agent`` layer."""


class AgentError(Exception):
    """The workflow could not do what was asked; the message says why."""
