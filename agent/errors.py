"""The error root of the ``agent`` layer."""


class AgentError(Exception):
    """The workflow could not do what was asked; the message says why."""


class ConfigurationError(AgentError):
    """The settings do not allow what was asked; the message says which setting to change."""
