"""The ticket an approval covers: exactly what will be written, built by code."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Ticket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: Annotated[str, Field(min_length=1, max_length=500)]
    title: Annotated[str, Field(min_length=1, max_length=256)]
    body: Annotated[str, Field(max_length=60_000)]
    labels: tuple[Annotated[str, Field(min_length=1, max_length=50)], ...] = ()
    assignees: tuple[Annotated[str, Field(min_length=1, max_length=39)], ...] = ()
