"""Typed model of a policy (制度) document. (Skeleton: the policy helper completes every section.)"""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Section):
    start: time
    end: time


class BusinessHours(Section):
    always_open: bool = False
    periods: list[Period] = Field(default_factory=lambda: [
        Period(start=time(8, 30), end=time(12, 0)), Period(start=time(13, 30), end=time(17, 30)),
    ])


class Privacy(Section):
    unmasked_roles: list[str] = Field(default_factory=lambda: ["agent", "technician", "administrator"])


class PolicyDocument(Section):
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    privacy: Privacy = Field(default_factory=Privacy)
