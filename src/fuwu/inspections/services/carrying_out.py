"""Carrying out an inspection on a phone: start it (how many units there are to sample from, and the
units drawn), record what was found item by item (result or score, a note, photos), submit it (its
score computed, every failed item a rectification order), hand it to someone else, or cancel it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.images import ImageRefused, check_image
from fuwu.lib.inputs import DESCRIPTION_LENGTH, REASON_LENGTH, optional_text, required_text
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User
from fuwu.suppliers.services import record_evaluation

from .. import definition, sampling
from ..models import MAX_POPULATION, ClockKind, Finding, Inspection, Photo, Result, Status
from ..rules import Action
from .context import Context, begin, event, user_ref
from .rectifying import issue_rectifications

MAX_PHOTOS_PER_FINDING = 9
MAX_ANSWERS = 200
# Drawn unit numbers kept on the inspection (ISO 2859 samples at most 2,000; a ratio of a large
# population may be more: those are drawn again from the seed when needed).
MAX_LISTED_UNITS = 5_000
# What a person answers for an item ("missed" is recorded by the round's submission, never given).
ANSWERABLE = (Result.PASS.value, Result.FAIL.value, Result.NOT_APPLICABLE.value)


def _start(ctx: Context, changes: dict[str, Any]) -> None:
    if ctx.inspection.status == Status.PLANNED:
        changes["status"] = {"before": Status.PLANNED, "after": Status.IN_PROGRESS}
        ctx.inspection.status = Status.IN_PROGRESS
        ctx.inspection.started_at = ctx.now


def units_of(stored: dict[str, Any], limit: int) -> tuple[list[int], bool]:
    """The first ``limit`` unit numbers to check of a stored sample and whether that is all of
    them: every unit of a whole lot, the listed draw, or (too many to list) the draw again."""
    population = int(stored.get("population") or 0)
    size = int(stored.get("sample_size") or 0)
    if not population or not size:
        return [], True
    if stored.get("whole_lot"):
        return list(range(1, min(population, limit) + 1)), population <= limit
    units = list(stored.get("units") or [])
    if not units and stored.get("seed"):
        units = sampling.draw(population, size, str(stored["seed"]))
    return units[:limit], len(units) <= limit


def seed_of(inspection: Inspection) -> str:
    """The sample's seed: the inspection's number and id, so that a re-draw gives the same units."""
    return hashlib.sha256(f"{inspection.organisation_id}:{inspection.number}".encode()).hexdigest()[:16]


@transaction.atomic
def inspection_start(
    *, inspection: Inspection, by: User, population: int | None = None, now: datetime | None = None
) -> Inspection:
    """Begin on site. A checklist that samples needs ``population`` (how many records, rooms … there
    are); the plan and the units to check are drawn from it and stored on the inspection."""
    ctx = begin(inspection, Action.START, by, now)
    i = ctx.inspection
    method = ctx.checklist.sampling
    changes: dict[str, Any] = {}
    if population is not None:
        if isinstance(population, bool) or not 1 <= population <= MAX_POPULATION:
            raise ValidationFailed.field(
                "population", _("must be between 1 and %(max)s") % {"max": f"{MAX_POPULATION:,}"}
            )
        if i.findings.exists() and i.population is not None and population != i.population:
            raise ValidationFailed.field("population", _("cannot change once findings are recorded"))
        plan = method.plan(population)
        # Every unit is checked (nothing to draw), or too many to list: the seed draws them again.
        listed = not plan.whole_lot and plan.sample_size <= MAX_LISTED_UNITS
        drawn = sampling.draw(population, plan.sample_size, seed_of(i)) if listed else []
        i.population = population
        i.sampling = {**plan.as_dict(), "seed": seed_of(i), "units": drawn, "unit": method.unit}
        changes["population"] = {"after": population}
        changes["sampling"] = {"after": {"sample_size": plan.sample_size, "units": drawn[:50]}}
    elif method.method != "all" and i.population is None:
        raise ValidationFailed.field("population", _("is required: this checklist samples"))
    _start(ctx, changes)
    i.save(update_fields=["population", "sampling", "status", "started_at"])
    event(i, by, ctx.now, "inspection.started", changes)
    return i


@dataclass(frozen=True)
class AnswerIn:
    item_code: str
    result: str | None = None
    score: int | None = None
    note: str = ""


def _checked_answers(
    ctx: Context, answers: Sequence[AnswerIn], errors: FieldErrors
) -> list[tuple[Any, AnswerIn, str]]:
    if not answers:
        errors.add("answers", _("is required"))
        return []
    if len(answers) > MAX_ANSWERS:
        errors.add("answers", _("at most %(n)s items") % {"n": MAX_ANSWERS})
        return []
    checked = []
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        field = f"answers[{index}]"
        item = ctx.checklist.item(answer.item_code)
        if item is None:
            errors.add(f"{field}.item_code", _("no such item on this checklist"))
            continue
        if answer.item_code in seen:
            errors.add(f"{field}.item_code", _("is given twice"))
            continue
        seen.add(answer.item_code)
        note = optional_text(answer.note, f"{field}.note", errors, REASON_LENGTH)
        result = answer.result
        if item.kind == "score" and result != Result.NOT_APPLICABLE:
            if answer.score is None or isinstance(answer.score, bool):
                errors.add(f"{field}.score", _("is required for a scored item"))
                continue
            if not 0 <= answer.score <= item.max_score:
                errors.add(f"{field}.score", _("must be between 0 and %(max)s") % {"max": item.max_score})
                continue
            result = definition.result_of_score(item, answer.score)
        elif result not in ANSWERABLE:
            errors.add(
                f"{field}.result", _("must be one of %(choices)s") % {"choices": ", ".join(ANSWERABLE)}
            )
            continue
        elif answer.score is not None:
            errors.add(f"{field}.score", _("only a scored item takes a score"))
            continue
        if result == Result.FAIL and item.kind == "pass_fail" and not note:
            errors.add(f"{field}.note", _("say what does not conform"))
            continue
        checked.append((item, AnswerIn(answer.item_code, result, answer.score, note), str(result)))
    return checked


def item_due_at(inspection: Inspection, item: definition.Item, zone: Any) -> datetime | None:
    """When a duty round's timed item is due: its time on the shift's first day, or on the next
    day for a time before the shift's start (a night shift from 20:00: "01:30" is after midnight)."""
    shift = inspection.shift
    if shift is None or item.at is None:
        return None
    start = timezone.localtime(shift.starts_at, zone)
    due = datetime.combine(start.date(), item.at, tzinfo=zone)
    if due < start:
        due += timedelta(days=1)
    return due


def is_late(due_at: datetime | None, recorded_at: datetime, grace_minutes: int) -> bool:
    return due_at is not None and recorded_at > due_at + timedelta(minutes=grace_minutes)


def _row(item: str, result: str, score: int | None, note: str) -> dict[str, Any]:
    """One finding as the timeline keeps it (the item's text, the result's code, score, note)."""
    row: dict[str, Any] = {"item": item[:200], "result": result}
    if score is not None:
        row["score"] = score
    if note:
        row["note"] = note[:500]
    return row


@transaction.atomic
def inspection_record(
    *, inspection: Inspection, by: User, answers: Sequence[AnswerIn], now: datetime | None = None
) -> list[Finding]:
    """Record (or correct, until submitted) what was found for one or more items. A failed pass/fail
    item says what does not conform; a scored item's result follows from its score."""
    errors = FieldErrors()
    ctx = begin(inspection, Action.RECORD, by, now)
    checked = _checked_answers(ctx, answers, errors)
    errors.raise_if_any()
    i = ctx.inspection
    sections = {item.code: section.title for section, item in ctx.checklist.items()}
    existing = {f.item_code: f for f in i.findings.all()}
    changes: dict[str, Any] = {}
    before_rows: list[dict[str, Any]] = []
    after_rows: list[dict[str, Any]] = []
    saved = []
    for item, answer, result in checked:
        finding = existing.get(item.code)
        if finding is not None:
            before_rows.append(_row(finding.item, finding.result, finding.score, finding.note))
        else:
            finding = Finding(
                inspection=i,
                item_code=item.code,
                section=sections[item.code],
                item=item.text,
                kind=item.kind,
                weight=item.weight,
            )
        finding.result, finding.score, finding.note = result, answer.score, answer.note
        finding.recorded_by, finding.recorded_at = by, ctx.now
        if finding.pk is None or finding.due_at is None:
            finding.due_at = item_due_at(i, item, ctx.calendar.tz)
            finding.late = is_late(finding.due_at, ctx.now, ctx.checklist.grace_minutes)
        finding.save()
        saved.append(finding)
        after_rows.append(_row(item.text, result, answer.score, answer.note))
    changes["findings"] = {"before": before_rows or None, "after": after_rows}
    _start(ctx, changes)
    i.save(update_fields=["status", "started_at"])
    event(i, by, ctx.now, "inspection.recorded", changes)
    return saved


def _checked_photos(
    photos: Sequence[UploadedFile], room: int, errors: FieldErrors
) -> list[tuple[UploadedFile, str]]:
    if not photos:
        errors.add("photos", _("is required"))
        return []
    if len(photos) > room:
        errors.add("photos", _("at most %(n)s photos per item") % {"n": MAX_PHOTOS_PER_FINDING})
        return []
    checked = []
    for index, photo in enumerate(photos):
        try:
            checked.append((photo, check_image(photo, photo.size)))
        except ImageRefused as refused:
            errors.add(f"photos[{index}]", str(refused))
    return checked


def save_photos(
    owner: dict[str, Any], name: str, photos: list[tuple[UploadedFile, str]], by: User, now: datetime
) -> list[Photo]:
    saved = []
    for photo, content_type in photos:
        extension = content_type.split("/")[1].replace("jpeg", "jpg")
        saved.append(
            Photo.objects.create(
                image=ContentFile(photo.read(), name=f"{name}.{extension}"),
                content_type=content_type,
                size=photo.size or 0,
                uploaded_by=by,
                uploaded_at=now,
                **owner,
            )
        )
    return saved


@transaction.atomic
def inspection_add_photos(
    *,
    inspection: Inspection,
    by: User,
    item_code: str,
    photos: Sequence[UploadedFile],
    now: datetime | None = None,
) -> list[Photo]:
    """Photos of what was found for an item (recorded first)."""
    ctx = begin(inspection, Action.RECORD, by, now)
    finding = ctx.inspection.findings.filter(item_code=item_code).first()
    if finding is None:
        raise ValidationFailed.field("item_code", _("record the item first"))
    errors = FieldErrors()
    checked = _checked_photos(photos, MAX_PHOTOS_PER_FINDING - finding.photos.count(), errors)
    errors.raise_if_any()
    saved = save_photos({"finding": finding}, ctx.inspection.number, checked, by, ctx.now)
    event(
        ctx.inspection,
        by,
        ctx.now,
        "inspection.photos_added",
        {"photos": {"after": {"item": finding.item[:200], "count": len(saved)}}},
    )
    return saved


@transaction.atomic
def inspection_submit(
    *,
    inspection: Inspection,
    by: User,
    summary: str = "",
    nonconforming_units: int | None = None,
    now: datetime | None = None,
) -> Inspection:
    """The table is complete: its score is computed, every failed item becomes a rectification order
    for the department (the policy's deadline), and the due clock stops."""
    errors = FieldErrors()
    summary = optional_text(summary, "summary", errors, DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = begin(inspection, Action.SUBMIT, by, now)
    i = ctx.inspection
    findings = list(i.findings.prefetch_related("photos"))
    by_code = {f.item_code: f for f in findings}
    for _section, item in ctx.checklist.items():
        finding = by_code.get(item.code)
        if (
            finding is not None
            and finding.result == Result.FAIL
            and item.photo_on_fail
            and not finding.photos.all()
        ):
            errors.add(
                f"photos.{item.code}",
                _("a photo is required for a failed item: %(item)s") % {"item": item.text[:60]},
            )
    sample_size = int(i.sampling.get("sample_size", 0)) if i.sampling else 0
    if nonconforming_units is not None and (
        isinstance(nonconforming_units, bool) or not 0 <= nonconforming_units <= max(sample_size, 0)
    ):
        errors.add("nonconforming_units", _("must be between 0 and %(max)s") % {"max": sample_size})
    errors.raise_if_any()
    if i.shift_id is not None:
        findings += _missed(ctx, by_code)
        by_code = {f.item_code: f for f in findings}
    answers = {f.item_code: definition.Answer(f.result, f.score) for f in findings}
    result = definition.score(ctx.checklist, answers)
    changes: dict[str, Any] = {
        "status": {"before": i.status, "after": Status.SUBMITTED},
        "score": {"after": str(result.percent) if result.percent is not None else None},
        "passed": {"after": result.passed},
        "failed_items": {"after": len(result.failed)},
    }
    i.status, i.submitted_at, i.summary = Status.SUBMITTED, ctx.now, summary
    i.points, i.max_points, i.score, i.passed = (
        result.points,
        result.max_points,
        result.percent,
        result.passed,
    )
    i.failed_items = len(result.failed)
    if nonconforming_units is not None and i.sampling:
        i.nonconforming_units = nonconforming_units
        plan = sampling.Plan(
            method=sampling.Method(i.sampling["method"]),
            population=int(i.sampling["population"]),
            sample_size=sample_size,
            accept=i.sampling.get("accept"),
            reject=i.sampling.get("reject"),
            code_letter=i.sampling.get("code_letter"),
            whole_lot=bool(i.sampling.get("whole_lot")),
        )
        verdict = sampling.verdict(plan, nonconforming_units)
        i.sampling = {**i.sampling, "nonconforming": nonconforming_units, "verdict": verdict}
        changes["nonconforming_units"] = {"after": nonconforming_units}
        if verdict is not None:
            changes["verdict"] = {"after": verdict}
    changes.update(clocks.meet(i.clocks.all(), ctx.now, [ClockKind.INSPECTION]))
    i.save(
        update_fields=[
            "status",
            "submitted_at",
            "summary",
            "points",
            "max_points",
            "score",
            "passed",
            "failed_items",
            "nonconforming_units",
            "sampling",
        ]
    )
    failed = [by_code[code] for code in result.failed if by_code[code].result == Result.FAIL]
    missed = [code for code in result.failed if by_code[code].result == Result.MISSED]
    if missed:
        changes["missed"] = {"after": [by_code[code].item[:200] for code in missed]}
    issued = issue_rectifications(ctx, failed)
    if issued:
        changes["rectifications"] = {"after": [r.number for r in issued]}
    event(i, by, ctx.now, "inspection.submitted", changes, summary)
    if i.supplier_id is not None:  # a supplier's evaluation sets its standing (fuwu.suppliers)
        record_evaluation(inspection=i, now=ctx.now, by=by)
    return i


def _missed(ctx: Context, by_code: dict[str, Finding]) -> list[Finding]:
    """A duty round's items not done by its submission: recorded as missed (漏检), at their time."""
    missed = []
    sections = {item.code: section.title for section, item in ctx.checklist.items()}
    for _section, item in ctx.checklist.items():
        if item.code in by_code:
            continue
        missed.append(
            Finding.objects.create(
                inspection=ctx.inspection,
                item_code=item.code,
                section=sections[item.code],
                item=item.text,
                kind=item.kind,
                weight=item.weight,
                result=Result.MISSED,
                due_at=item_due_at(ctx.inspection, item, ctx.calendar.tz),
                late=True,
                recorded_by=None,
                recorded_at=ctx.now,
            )
        )
    return missed


@transaction.atomic
def inspection_reassign(
    *, inspection: Inspection, by: User, inspector: User | None, reason: str, now: datetime | None = None
) -> Inspection:
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    if (
        inspector is None
        or inspector.organisation_id != inspection.organisation_id
        or not inspector.is_active
    ):
        errors.add("inspector_id", _("no such member of staff"))
    elif inspector.clearance < inspection.confidentiality:
        errors.add("inspector_id", _("may not see this record (clearance)"))
    errors.raise_if_any()
    assert inspector is not None
    ctx = begin(inspection, Action.REASSIGN, by, now)
    i = ctx.inspection
    if inspector.pk == i.inspector_id:
        raise ValidationFailed.field("inspector_id", _("is the inspector already"))
    changes = {"inspector": {"before": user_ref(i.inspector), "after": user_ref(inspector)}}
    i.inspector, i.assigned_because = inspector, ""
    i.save(update_fields=["inspector", "assigned_because"])
    event(i, by, ctx.now, "inspection.reassigned", changes, reason)
    notify(
        [inspector],
        kind=NotificationKind.ASSIGNED,
        subject=i,
        title=_("%(number)s: inspect %(department)s by %(due)s")
        % {
            "number": i.number,
            "department": i.department.name,
            "due": f"{timezone.localtime(i.due_at):%Y-%m-%d}",
        },
    )
    return i


@transaction.atomic
def inspection_cancel(
    *, inspection: Inspection, by: User, reason: str, now: datetime | None = None
) -> Inspection:
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = begin(inspection, Action.CANCEL, by, now)
    i = ctx.inspection
    changes: dict[str, Any] = {"status": {"before": i.status, "after": Status.CANCELLED}}
    i.status, i.cancel_reason = Status.CANCELLED, reason
    i.save(update_fields=["status", "cancel_reason"])
    i.clocks.filter(met_at__isnull=True, is_active=True).update(is_active=False)
    event(i, by, ctx.now, "inspection.cancelled", changes, reason)
    return i
