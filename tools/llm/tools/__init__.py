"""One module per tool the model may call: an argument model and a pure function.

Argument models forbid extra fields and cap every string and number, so a ``repository``, ``url``
or ``owner`` argument is a validation error, never an input. No tool has a parameter that names a
repository: each works on the one case's RepoSource (or a shipped catalogue) bound by the toolbox.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ToolArgs(BaseModel):
    """The base of every tool's arguments: unknown fields are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
