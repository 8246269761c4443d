"""What the API and the pages both show of visits, computed once: which subjects (work orders,
complaints) of some visits the reader may open, a visit's survey links, and a month's samples with
their audit (population, rule, seed, strata, whether the seed draws the same, why each visit is in
its sample)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from fuwu import visibility
from fuwu.complaints.selectors import complaints_for_user
from fuwu.lib.display import system_text
from fuwu.lib.endpoints import ref
from fuwu.org.models import User
from fuwu.visibility import PhoneShown

from . import selectors, services
from .models import Selection, SurveyDelivery, SurveyMethod, Visit, VisitSample, VisitSurveyLink


def seen_subjects(user: User, visits: Iterable[Visit]) -> tuple[set[int], set[int]]:
    """The work orders and complaints of ``visits`` the caller may open (two queries at most)."""
    visits = list(visits)
    wo_ids = {v.work_order_id for v in visits if v.work_order_id}
    c_ids = {v.complaint_id for v in visits if v.complaint_id} | {
        v.raised_complaint_id for v in visits if v.raised_complaint_id
    }
    seen_wo = (
        set(visibility.work_orders_for_user(user).filter(pk__in=wo_ids).values_list("pk", flat=True))
        if wo_ids
        else set()
    )
    seen_c = (
        set(complaints_for_user(user).filter(pk__in=c_ids).values_list("pk", flat=True)) if c_ids else set()
    )
    return seen_wo, seen_c


def subject_ref(visit: Visit, seen: tuple[set[int], set[int]]) -> dict[str, Any] | None:
    if visit.work_order_id and visit.work_order_id in seen[0]:
        assert visit.work_order is not None
        return {"kind": "work_order", "id": visit.work_order_id, "number": visit.work_order.number}
    if visit.complaint_id and visit.complaint_id in seen[1]:
        assert visit.complaint is not None
        return {"kind": "complaint", "id": visit.complaint_id, "number": visit.complaint.number}
    return None


def link_state(link: VisitSurveyLink, now: Any) -> str:
    if link.used_at is not None:
        return "answered"
    if link.revoked_at is not None:
        return "revoked"
    return "open" if now < link.expires_at else "expired"


def survey_links(visit: Visit, shown: PhoneShown, now: Any) -> list[dict[str, Any]]:
    methods = {v: str(label) for v, label in SurveyMethod.choices}
    deliveries = {v: str(label) for v, label in SurveyDelivery.choices}
    return [
        {
            "id": link.pk,
            "method": link.method,
            "method_label": methods.get(link.method, link.method),
            "sent_to": shown(link.sent_to) if link.method == SurveyMethod.SMS else link.sent_to,
            "sent_by": ref(link.sent_by),
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "state": link_state(link, now),
            "delivery": link.delivery,
            "delivery_label": deliveries.get(link.delivery, link.delivery),
            "delivery_error": link.delivery_error,
            "delivered_at": link.delivered_at,
            "used_at": link.used_at,
            "revoked_at": link.revoked_at,
        }
        for link in visit.survey_links.select_related("sent_by").order_by("-created_at", "-id")
    ]


def samples_audit(user: User, organisation: Any, month: date) -> dict[str, Any]:
    samples = list(
        VisitSample.objects.filter(organisation=organisation, month=month)
        .select_related("department", "drawn_by")
        .order_by("level", "department_id")
    )
    visits = list(
        selectors.visits_for_user(user)
        .filter(sample__in=samples)
        .select_related("work_order", "complaint", "visitor")
        .order_by("id")
    )
    seen = seen_subjects(user, visits)
    by_sample: dict[int, list[Visit]] = {}
    for v in visits:
        by_sample.setdefault(v.sample_id or 0, []).append(v)
    selections = {v: str(label) for v, label in Selection.choices}
    out = []
    for s in samples:
        stored = [stratum.get("chosen", []) for stratum in s.strata]
        out.append(
            {
                "id": s.pk,
                "month": s.month,
                "level": s.level,
                "department": ref(s.department),
                "selection": s.selection,
                "selection_label": selections.get(s.selection, s.selection),
                "population": s.population,
                "households": s.households,
                "ratio": float(s.ratio) if s.ratio is not None else None,
                "size": s.size,
                "rule": system_text(s.rule_note),
                "seed": s.seed,
                "reproducible": services.redraw(s) == stored,
                "strata": [
                    {"name": st["name"], "population": len(st["population"]), "size": st["size"]}
                    for st in s.strata
                ],
                "drawn_by": ref(s.drawn_by),
                "drawn_at": s.drawn_at,
                "visits": [
                    {
                        "id": v.pk,
                        "subject": subject_ref(v, seen),
                        "status": v.status,
                        "visitor": ref(v.visitor),
                        "why": system_text(v.sample_note),
                    }
                    for v in by_sample.get(s.pk, [])
                ],
            }
        )
    return {"month": month.strftime("%Y-%m"), "drawn": bool(samples), "samples": out}
