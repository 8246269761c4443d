"""How timeline events are shown to people: one registry, filled by every app for its own records.

The timeline stores what changed as plain JSON (``{"status": {"before": "routed", "after":
"dispatched"}, "report": {"after": {"warranty": "out_of_warranty", "minutes": 40}}}``). This module
turns it into text for the reader: labels for the keys, and a format per key — choice codes as their
labels, yes/no, money, minutes, local times, lists, nested values as "label: value" pairs, references
as names (a link where the reader may open the record, nothing where they may not see it), stored
system sentences in the reader's language.

The timeline imports no process app. Each app describes its own records in its ``display`` module,
which the timeline app loads at start-up::

    timeline_display.subject(WorkOrder, actions={...}, fields={
        "report": Value(_("service report"), Fields({
            "warranty": Value.of(ServiceReport, "warranty_status"),
            "minutes": Value(_("time spent"), Minutes()),
        })),
    })
    timeline_display.reference(User, visible=..., url=...)

A key nobody registered still gets what the subject model knows about it: the field's verbose name,
and a format from the field (choices, boolean, date, foreign key…). Old events keep rendering: every
format accepts the shapes earlier versions stored (a name instead of ``{"id", "label"}``, a sentence
instead of a code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from fuwu.lib import display as fmt

Reference = tuple[type[models.Model], Any]


# --- formats --------------------------------------------------------------------------------


class Format:
    """How one value is shown. ``render`` returns escaped HTML; ``references`` names the records it links."""

    def references(self, value: Any) -> Iterator[Reference]:
        return iter(())

    def render(self, value: Any, context: RenderContext) -> SafeString:
        return auto(value, context)


def _text(value: Any) -> SafeString:
    return conditional_escape(value)


def _joined(parts: Iterable[Any]) -> SafeString:
    return mark_safe(fmt.join_list(conditional_escape(p) for p in parts))  # the parts are escaped


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def auto(value: Any, context: RenderContext) -> SafeString:
    """A value nobody described: shown by its type."""
    if _empty(value):
        return _text(fmt.EMPTY)
    if isinstance(value, bool):
        return _text(fmt.yes_no(value))
    if isinstance(value, int | float | Decimal):
        return _text(str(value))
    if isinstance(value, datetime | date):
        return _text(fmt.local_time(value))
    if isinstance(value, str):
        if fmt.parse_moment(value) is not None:
            return _text(fmt.local_time(value))
        return _text(fmt.system_text(value))
    if isinstance(value, list | tuple):
        return _joined(auto(v, context) for v in value)
    if isinstance(value, dict):
        if "id" in value and ("label" in value or "name" in value):
            return _text(value.get("label") or value.get("name"))
        return Fields({}).render(value, context)
    return _text(str(value))


class Auto(Format):
    pass


class Text(Format):
    """Free text or a stored system sentence (said in the reader's language)."""

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        if isinstance(value, list | tuple):
            return _joined(self.render(v, context) for v in value)
        return _text(fmt.system_text(str(value)))


class Code(Format):
    """An identifier shown as such (a service type's code, a login name): verbatim, in ``<code>``."""

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        return format_html("<code>{}</code>", value)


class Choice(Format):
    """A code of a ``TextChoices`` class (or of a mapping code → label), or a list of codes."""

    def __init__(self, choices: Any) -> None:
        self.choices = choices

    def label(self, code: Any, context: RenderContext) -> str:
        choices = (
            self.choices(context)
            if callable(self.choices) and not isinstance(self.choices, type)
            else self.choices
        )
        return fmt.choice_label(choices, code)

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        if isinstance(value, list | tuple):
            return _joined(self.label(v, context) for v in value)
        if isinstance(value, str | int):
            return _text(self.label(value, context))
        return auto(value, context)


class YesNo(Format):
    def render(self, value: Any, context: RenderContext) -> SafeString:
        return _text(fmt.yes_no(value))


class Money(Format):
    def render(self, value: Any, context: RenderContext) -> SafeString:
        return _text(fmt.money(value))


class Minutes(Format):
    def render(self, value: Any, context: RenderContext) -> SafeString:
        return _text(fmt.minutes(value))


class Moment(Format):
    def render(self, value: Any, context: RenderContext) -> SafeString:
        return _text(fmt.local_time(value))


class Day(Format):
    def render(self, value: Any, context: RenderContext) -> SafeString:
        return _text(fmt.local_day(value))


class Custom(Format):
    """``function(value, context) -> str`` (plain text, escaped here)."""

    def __init__(self, function: Callable[[Any, RenderContext], Any]) -> None:
        self.function = function

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        return _text(self.function(value, context))


class Ref(Format):
    """A record: ``{"id", "label"}`` as written by the timeline, a bare id, or (old events) its name.

    Shown by its current name, linked where the reader may open it; a record the reader may not
    see shows no name at all."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model

    @staticmethod
    def _pk(value: Any) -> Any:
        if isinstance(value, dict):
            return value.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None

    def references(self, value: Any) -> Iterator[Reference]:
        for item in value if isinstance(value, list | tuple) else [value]:
            pk = self._pk(item)
            if pk is not None:
                yield self.model, pk

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        if isinstance(value, list | tuple):
            return _joined(self.render(v, context) for v in value)
        pk = self._pk(value)
        if pk is None:  # a name, as older events stored it
            return _text(value.get("label", "") if isinstance(value, dict) else str(value))
        return context.reference(self.model, pk, value.get("label", "") if isinstance(value, dict) else "")


class ListOf(Format):
    def __init__(self, item: Format) -> None:
        self.item = item

    def references(self, value: Any) -> Iterator[Reference]:
        for v in value if isinstance(value, list | tuple) else [value]:
            yield from self.item.references(v)

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if _empty(value):
            return _text(fmt.EMPTY)
        if not isinstance(value, list | tuple):
            return self.item.render(value, context)
        return _joined(self.item.render(v, context) for v in value)


class Count(Format):
    """A list shown by its length (file names of photos mean nothing to a reader): ``text(n)``."""

    def __init__(self, text: Callable[[int], str]) -> None:
        self.text = text

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            n = len(value) if isinstance(value, list | tuple) else int(bool(value))
        return _text(self.text(n))


@dataclass(frozen=True)
class Value:
    """The label and the format of one key. ``label`` None: the subject model's field name."""

    label: Any = None
    format: Format | None = None

    @classmethod
    def of(
        cls, model: type[models.Model], name: str, label: Any = None, format: Format | None = None
    ) -> Value:
        """The label and format a model field implies (``Value.of(FeeLine, "amount", format=Money())``)."""
        derived = derived_value(model, name)
        return cls(label if label is not None else derived.label, format or derived.format)


class Fields(Format):
    """A dict of values, shown as ``label: value`` pairs (empty values left out)."""

    def __init__(self, fields: Mapping[str, Value], model: type[models.Model] | None = None) -> None:
        self.fields = dict(fields)
        self.model = model

    def value_for(self, key: str) -> Value:
        if key in self.fields:
            return self.fields[key]
        if self.model is not None:
            return derived_value(self.model, key)
        return Value(humanised(key), Auto())

    def is_labelled(self, key: str) -> bool:
        if key in self.fields:
            return True
        if self.model is None:
            return False
        try:
            self.model._meta.get_field(key)
        except FieldDoesNotExist:
            return False
        return True

    def references(self, value: Any) -> Iterator[Reference]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from (self.value_for(key).format or Auto()).references(item)

    def render(self, value: Any, context: RenderContext) -> SafeString:
        if not isinstance(value, dict):
            return auto(value, context)
        if "id" in value and ("label" in value or "name" in value):
            return auto(value, context)
        pairs = []
        for key, item in sorted(value.items(), key=lambda pair: _order(self.fields, self.model, pair[0])):
            if _empty(item):
                continue
            spec = self.value_for(key)
            pairs.append((conditional_escape(spec.label), (spec.format or Auto()).render(item, context)))
        if not pairs:
            return _text(fmt.EMPTY)
        return mark_safe(fmt.join_pairs(pairs))  # labels and values are escaped


def _order(
    fields: Mapping[str, Any], model: type[models.Model] | None, key: str, model_first: bool = False
) -> tuple[int, int, str]:
    """Keys in the order they were described and in the model's field order, then by name: the same
    order on every database (PostgreSQL's jsonb does not keep the order they were written in)."""
    names = [f.name for f in model._meta.get_fields()] if model is not None else []
    if key in names and (model_first or key not in fields):
        return (0 if model_first else 1), names.index(key), key
    if key in fields:
        return (1 if model_first else 0), list(fields).index(key), key
    return 2, 0, key


def humanised(key: str) -> str:
    """Last resort for a key nobody labelled: words, not an identifier (``receipt_number`` → receipt number)."""
    return key.replace("_", " ").replace(".", " ")


def derived_value(model: type[models.Model], name: str) -> Value:
    """Label and format from the model field ``name`` (verbose name; choices, boolean, dates, relations)."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return Value(humanised(name), Auto())
    label = getattr(model_field, "verbose_name", None)
    related = getattr(model_field, "related_model", None)
    if label is None and related is not None:  # a reverse relation ("phones") has no verbose name
        return Value(related._meta.verbose_name_plural, Auto())
    format: Format = Auto()
    if isinstance(model_field, models.SlugField):  # codes people gave records: identifiers, not words
        format = Code()
    elif isinstance(model_field, models.Field) and model_field.choices:  # reverse relations have none
        format = Choice(list(model_field.flatchoices))
    elif isinstance(model_field, models.BooleanField):
        format = YesNo()
    elif isinstance(model_field, models.DateTimeField):
        format = Moment()
    elif isinstance(model_field, models.DateField):
        format = Day()
    elif related is not None and (
        model_field.many_to_one or model_field.one_to_one or model_field.many_to_many
    ):
        format = Ref(related)
    return Value(label or humanised(name), format)


# --- the registry ---------------------------------------------------------------------------


@dataclass
class Subject:
    fields: dict[str, Value] = field(default_factory=dict)
    actions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceKind:
    # ``visible(viewer, ids)`` → the records among ``ids`` the viewer may see (one query).
    visible: Callable[[Any, set[Any]], Iterable[models.Model]]
    name: Callable[[Any], str] = str
    # ``url(record, viewer)`` → where the viewer opens the record, or None.
    url: Callable[[Any, Any], str | None] | None = None


class TimelineDisplay:
    def __init__(self) -> None:
        self.subjects: dict[type[models.Model], Subject] = {}
        self.references: dict[type[models.Model], ReferenceKind] = {}
        self.value_filters: list[Callable[[Any], Callable[..., Any]]] = []

    def subject(
        self,
        model: type[models.Model],
        *,
        fields: Mapping[str, Value] | None = None,
        actions: Mapping[str, Any] | None = None,
    ) -> None:
        """Labels and formats of the keys of ``model``'s events, and the labels of its actions."""
        subject = self.subjects.setdefault(model, Subject())
        subject.fields.update(fields or {})
        subject.actions.update(actions or {})

    def reference(
        self,
        model: type[models.Model],
        *,
        visible: Callable[[Any, set[Any]], Iterable[models.Model]],
        name: Callable[[Any], str] = str,
        url: Callable[[Any, Any], str | None] | None = None,
    ) -> None:
        self.references[model] = ReferenceKind(visible=visible, name=name, url=url)

    def value_filter(self, factory: Callable[[Any], Callable[..., Any]]) -> None:
        """``factory(viewer)`` → a function applied to every event's changes and reason before they are
        shown (phone numbers masked for roles that may not see them whole)."""
        self.value_filters.append(factory)

    def value(self, model: type[models.Model] | None, name: str) -> Value:
        subject = self.subjects.get(model) if model is not None else None
        if subject is not None and name in subject.fields:
            found = subject.fields[name]
            if found.label is None or found.format is None:
                derived = derived_value(model, name) if model is not None else Value(humanised(name), Auto())
                return Value(
                    found.label if found.label is not None else derived.label, found.format or derived.format
                )
            return found
        if model is None:
            return Value(humanised(name), Auto())
        return derived_value(model, name)

    def is_labelled(self, model: type[models.Model] | None, name: str) -> bool:
        """Whether ``name`` has a real label (registered, or a model field), not the last resort."""
        subject = self.subjects.get(model) if model is not None else None
        if subject is not None and name in subject.fields:
            return True
        if model is None:
            return False
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    def action_label(self, model: type[models.Model] | None, action: str) -> str:
        subject = self.subjects.get(model) if model is not None else None
        if subject is not None and action in subject.actions:
            return str(subject.actions[action])
        return humanised(action.split(".", 1)[-1]).capitalize()


timeline_display = TimelineDisplay()


def unlabelled_keys(event: Any, registry: TimelineDisplay = timeline_display) -> list[str]:
    """The keys of ``event``'s changes (nested ones too) that would be shown by the last resort (their
    name with spaces) instead of a label: what an app forgot to describe in its ``display`` module."""
    model = ContentType.objects.get_for_id(event.subject_type_id).model_class()
    missing = []
    for key, has_before, before, after in _pairs(event.changes):
        if not registry.is_labelled(model, key):
            missing.append(key)
            continue
        rendering = registry.value(model, key).format
        if isinstance(rendering, Fields):
            for value in (before, after) if has_before else (after,):
                if isinstance(value, dict) and not ("id" in value and ("label" in value or "name" in value)):
                    missing += [f"{key}.{name}" for name in value if not rendering.is_labelled(name)]
    return missing


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    name: str
    url: str | None


class RenderContext:
    """One page's reader and the records its values refer to (resolved once, in one query per model)."""

    def __init__(self, viewer: Any, registry: TimelineDisplay) -> None:
        self.viewer = viewer
        self.registry = registry
        self.resolved: dict[Reference, Resolved | None] = {}

    def resolve(self, wanted: Iterable[Reference]) -> None:
        by_model: dict[type[models.Model], set[Any]] = {}
        for model, pk in wanted:
            if (model, pk) not in self.resolved:
                by_model.setdefault(model, set()).add(pk)
        for model, ids in by_model.items():
            kind = self.registry.references.get(model)
            if kind is None:
                continue  # nobody said how to show this kind of record: its stored label stands
            found = {obj.pk: obj for obj in kind.visible(self.viewer, ids)}
            for pk in ids:
                obj = found.get(pk)
                self.resolved[(model, pk)] = (
                    None
                    if obj is None
                    else Resolved(name=kind.name(obj), url=kind.url(obj, self.viewer) if kind.url else None)
                )

    def reference(self, model: type[models.Model], pk: Any, stored_label: str) -> SafeString:
        if model not in self.registry.references:
            return _text(stored_label or fmt.EMPTY)
        if (model, pk) not in self.resolved:
            self.resolve([(model, pk)])
        found = self.resolved.get((model, pk))
        if found is None:
            return format_html('<span class="text-body-secondary">{}</span>', _("(not visible to you)"))
        if found.url:
            return format_html('<a href="{}">{}</a>', found.url, found.name)
        return _text(found.name)


@dataclass
class ShownChange:
    key: str
    label: str
    before: SafeString | None
    after: SafeString


@dataclass
class ShownEvent:
    event: Any
    at: datetime
    action: str
    action_label: str
    actor: str
    changes: list[ShownChange]
    reason: str


def _pairs(changes: Any) -> list[tuple[str, bool, Any, Any]]:
    """``(key, has_before, before, after)`` for every shape events were written in."""
    if not isinstance(changes, dict):
        return [("", False, None, changes)] if changes else []
    rows = []
    for key, change in changes.items():
        if isinstance(change, dict) and change and set(change) <= {"before", "after"}:
            rows.append(
                (
                    str(key),
                    "before" in change and change["before"] is not None,
                    change.get("before"),
                    change.get("after"),
                )
            )
        else:
            rows.append((str(key), False, None, change))
    return rows


def shown_events(
    events: Iterable[Any], viewer: Any, registry: TimelineDisplay = timeline_display
) -> list[ShownEvent]:
    """``events`` (already allowed to the viewer) as text for the viewer, in the active language."""
    events = list(events)
    filters = [factory(viewer) for factory in registry.value_filters]
    context = RenderContext(viewer, registry)
    prepared = []
    wanted: list[Reference] = []
    for event in events:
        model = (
            ContentType.objects.get_for_id(event.subject_type_id).model_class()
            if getattr(event, "subject_type_id", None)
            else None
        )  # cached: no query per event
        changes, reason = event.changes, event.reason
        for apply in filters:
            changes, reason = apply(changes), apply(reason)
        rows = []
        subject = registry.subjects.get(model) if model is not None else None
        pairs = sorted(
            _pairs(changes),
            key=lambda row: _order(subject.fields if subject else {}, model, row[0], model_first=True),
        )
        for key, has_before, before, after in pairs:
            spec = registry.value(model, key)
            rendering = spec.format or Auto()
            if has_before:
                wanted.extend(rendering.references(before))
            wanted.extend(rendering.references(after))
            rows.append((key, spec, has_before, before, after))
        prepared.append((event, model, rows, reason))
    context.resolve(wanted)
    shown = []
    for event, model, rows, reason in prepared:
        changes = []
        for key, spec, has_before, before, after in rows:
            rendering = spec.format or Auto()
            changes.append(
                ShownChange(
                    key=key,
                    label=str(spec.label),
                    before=rendering.render(before, context) if has_before else None,
                    after=rendering.render(after, context),
                )
            )
        actor = getattr(event.actor, "display_name", "") if event.actor_id else ""
        if not actor:
            if event.actor_label in ("", "system"):
                actor = _("system")
            elif event.actor_label == "customer":  # the customer's own answer (a survey link)
                actor = _("the customer")
            else:
                actor = event.actor_label
        shown.append(
            ShownEvent(
                event=event,
                at=event.at,
                action=event.action,
                action_label=registry.action_label(model, event.action),
                actor=actor,
                changes=changes,
                reason=fmt.system_text(reason or ""),
            )
        )
    return shown
