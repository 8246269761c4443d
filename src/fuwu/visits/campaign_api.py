"""``/api/v1/visit-campaigns``: questionnaire campaigns (003 问卷回访) — a questionnaire of their
own to a chosen set of customers, each customer a return visit of the campaign. The director, the
quality role, department heads and administrators run them; the customers chosen are those the
caller sees. The visits themselves are answered through ``/api/v1/visits``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from fuwu.lib.endpoints import caller, ref
from fuwu.lib.inputs import Day, Id, InputSchema, Limit, Moment, Offset, QuerySchema

from .models import Status, VisitCampaign
from .services import planned

router = Router(tags=["visits"])

QuestionText = Annotated[str, Field(min_length=1, max_length=200)]
ChoiceText = Annotated[str, Field(min_length=1, max_length=50)]


class CampaignQuestionIn(InputSchema):
    """A question in the policy's format (``[visits].questionnaire``)."""

    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    text: QuestionText
    text_en: Annotated[str, Field(max_length=200)] = ""
    kind: Literal["yes_no", "choice", "score", "text"]
    choices: list[ChoiceText] = Field(default_factory=list, max_length=10)
    min_score: int | None = Field(None, ge=0, le=100)
    max_score: int | None = Field(None, ge=0, le=100)
    required: bool = True


class CampaignIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    questions: list[CampaignQuestionIn] | None = Field(
        None, max_length=20, description="Its own questions; none: the planned visits' questionnaire."
    )
    method: Literal["phone", "sms", "wechat", "email", "on_site"] = "phone"
    due_at: Moment = Field(..., description="When every visit of the campaign is due (in the future).")
    department_id: Id | None = Field(None, description="The customers of this department and below.")
    with_agreement: bool = Field(False, description="Only customers with a current service agreement.")
    served_from: Day | None = Field(
        None, description="Only customers served (a work order done) from this day…"
    )
    served_to: Day | None = Field(None, description="…until this day.")


class CampaignFilters(QuerySchema):
    limit: Limit = 50
    offset: Offset = 0


class CampaignOut(Schema):
    id: int
    name: str
    method: str
    due_at: datetime
    size: int
    answered: int
    not_reached: int
    due: int
    questionnaire: list[dict[str, Any]]
    department: dict[str, Any] | None
    with_agreement: bool
    served_from: date | None
    served_to: date | None
    created_by: dict[str, Any] | None
    created_at: datetime


class CampaignPage(Schema):
    items: list[CampaignOut]
    count: int


def _visible(user: Any) -> Any:
    campaigns = VisitCampaign.objects.filter(organisation_id=user.organisation_id)
    if not planned.may_run_campaigns(user):
        return campaigns.none()
    from fuwu import visibility

    if visibility.sees_whole_organisation(user):
        return campaigns
    return campaigns.filter(Q(created_by=user) | visibility.department_scope_q(user))


def _out(campaign: VisitCampaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "method": campaign.method,
        "due_at": campaign.due_at,
        "size": campaign.size,
        "answered": getattr(campaign, "n_done", 0),
        "not_reached": getattr(campaign, "n_unreachable", 0),
        "due": getattr(campaign, "n_due", 0),
        "questionnaire": list(campaign.questionnaire),
        "department": ref(campaign.department),
        "with_agreement": campaign.with_agreement,
        "served_from": campaign.served_from,
        "served_to": campaign.served_to,
        "created_by": ref(campaign.created_by),
        "created_at": campaign.created_at,
    }


def _counted(campaigns: Any) -> Any:
    return campaigns.select_related("department", "created_by").annotate(
        n_done=Count("visits", filter=Q(visits__status=Status.DONE)),
        n_unreachable=Count("visits", filter=Q(visits__status=Status.UNREACHABLE)),
        n_due=Count("visits", filter=Q(visits__status=Status.DUE)),
    )


@router.get("", response=CampaignPage, summary="Questionnaire campaigns, the newest first")
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> dict[str, Any]:
    user = caller(request)
    campaigns = _visible(user)
    page = _counted(campaigns.order_by("-created_at", "-id"))[filters.offset : filters.offset + filters.limit]
    return {"items": [_out(c) for c in page], "count": campaigns.count()}


@router.post("", response={201: CampaignOut}, summary="Start a questionnaire campaign")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> HttpStatus[dict[str, Any]]:
    """A visit for each customer the filters choose (at most 5,000, among those the caller sees),
    all due at ``due_at``, asking the campaign's questions. 403 for a role that does not run
    campaigns; 422 naming the field (``customers`` when none or too many match)."""
    user = caller(request)
    campaign = planned.campaign_create(
        by=user,
        name=payload.name,
        questions=[q.model_dump() for q in payload.questions] if payload.questions is not None else None,
        method=payload.method,
        due_at=payload.due_at,
        department_id=payload.department_id,
        with_agreement=payload.with_agreement,
        served_from=payload.served_from,
        served_to=payload.served_to,
    )
    return HttpStatus(201, _out(_counted(VisitCampaign.objects.filter(pk=campaign.pk)).get()))


__all__ = ["router"]
