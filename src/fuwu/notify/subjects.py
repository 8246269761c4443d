"""What the engine needs to know about a record a notification points at, per kind of record.

A process registers its records once (``register("workorders.WorkOrder", title=…, link=…,
department=…)``); without a registration a record is described by ``str(record)``, its
``get_absolute_url()``, its ``organisation_id`` and ``confidentiality`` attributes and no department
(so no robot posts about it). Who may read about the record is the visibility rule of its kind
(``fuwu.visibility.who_may_see``), never decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model


@dataclass(frozen=True)
class SubjectKind:
    title: Callable[[Any], str]  # the record's title for people (a work order's number)
    link: Callable[[Any], str]  # its page (a path on this site)
    department: Callable[[Any], Any]  # the department whose robots hear about it, or None
    # A more precise link when a notification is opened (``(record, event) -> url | None``): an
    # approval asked for opens the record at its decision.
    open_link: Callable[[Any, str], str | None] | None = None


_KINDS: dict[str, SubjectKind] = {}


def register(
    label: str,
    *,
    title: Callable[[Any], str],
    link: Callable[[Any], str],
    department: Callable[[Any], Any] = lambda record: None,
    open_link: Callable[[Any, str], str | None] | None = None,
) -> None:
    """``label`` is the model's ``app_label.ModelName`` (``workorders.WorkOrder``)."""
    _KINDS[label.lower()] = SubjectKind(title=title, link=link, department=department, open_link=open_link)


def kind_of(record: Model | type[Model]) -> SubjectKind | None:
    return _KINDS.get(record._meta.label_lower)


@dataclass(frozen=True)
class Subject:
    record: Model
    title: str
    link: str
    organisation_id: int | None
    confidentiality: int
    department: Any


def describe(record: Model) -> Subject:
    kind = kind_of(record)
    if kind is not None:
        title, link, department = kind.title(record), kind.link(record), kind.department(record)
    else:
        url = getattr(record, "get_absolute_url", None)
        title, link, department = str(record), url() if callable(url) else "", None
    return Subject(
        record=record,
        title=title[:200],
        link=link[:500],
        organisation_id=getattr(record, "organisation_id", None),
        confidentiality=int(getattr(record, "confidentiality", 0) or 0),
        department=department,
    )


def open_link(record: Model, event: str) -> str | None:
    kind = kind_of(record)
    if kind is None or kind.open_link is None:
        return None
    return kind.open_link(record, event)
