"""How visits and their values are shown (loaded at start-up): labels of every visit action,
formats of the keys the services write into a visit's timeline, the work order's
``work_order.visited``, and the sentences the services store as text."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fuwu.complaints.models import Complaint
from fuwu.lib import display as fmt
from fuwu.lib.display import system_texts
from fuwu.org.models import Role, User
from fuwu.timeline.display import (
    Auto,
    Choice,
    Custom,
    Moment,
    Ref,
    RenderContext,
    Value,
    YesNo,
    timeline_display,
)
from fuwu.workorders.models import WorkOrder

from .models import (
    AttemptOutcome,
    ClockKind,
    Consequence,
    Method,
    Reason,
    Selection,
    Status,
    SurveyDelivery,
    SurveyMethod,
    SurveyRevocation,
    Visit,
    VisitCampaign,
)

EVENT_LABELS = {
    "visit.scheduled": _("Return visit scheduled"),
    "visit.attempted": _("Visit attempted"),
    "visit.not_reached": _("Customer not reached after the last attempt"),
    "visit.answered": _("Customer's answers recorded"),
    "visit.rescheduled": _("Visit moved to another time"),
    "visit.reassigned": _("Visit given to another person"),
    "visit.cancelled": _("Visit cancelled"),
    "visit.escalated": _("Escalated"),
    "visit.survey_sent": _("Survey link sent to the customer"),
    "visit.survey_not_delivered": _("Survey link could not be delivered"),
}

ON_SITE_RULES = {
    "new_agreement_customer": _("new service agreement"),
    "new_technician_for_customer": _("technician new to the customer"),
    "technician_complained_last_time": _("technician's last service was complained about"),
}


def question_label(question: Any) -> str:
    """A question in the reader's language: its English text where the policy gives one."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and question.text_en:
        return str(question.text_en)
    return str(question.text)


def answer_label(question: Any, answer: Any) -> str:
    if question is not None and question.kind == "yes_no":
        return fmt.yes_no(answer == "yes")
    if answer in ("yes", "no"):
        return fmt.yes_no(answer == "yes")
    return str(answer)


def answers_text(value: Any, context: RenderContext | None = None) -> str:
    """``{"attitude": "满意", "solved": "yes"}`` in words: each answer after its question, as the
    reader's organisation's policy words it (the code if the question is gone)."""
    from fuwu.policy.selectors import active_policy

    if not isinstance(value, dict):
        return fmt.system_text(str(value))
    questions: dict[str, Any] = {}
    organisation = getattr(getattr(context, "viewer", None), "organisation", None)
    if organisation is not None:
        questions = {q.code: q for q in active_policy(organisation).visits.questionnaire}
    pairs = []
    for code, answer in value.items():
        question = questions.get(code)
        pairs.append((question_label(question) if question else str(code), answer_label(question, answer)))
    return fmt.join_pairs(pairs) if pairs else fmt.EMPTY


timeline_display.subject(
    Visit,
    actions=EVENT_LABELS,
    fields={
        "status": Value(format=Choice(Status)),
        "reason": Value(format=Choice(Reason)),
        "method": Value(format=Choice(Method)),
        "outcome": Value(_("outcome"), Choice(AttemptOutcome)),
        "level": Value(_("level"), Auto()),
        "visitor": Value(_("visitor"), Ref(User)),
        "due_at": Value(_("due at"), Moment()),
        "next_attempt_at": Value(_("next attempt"), Moment()),
        "attempts": Value(_("attempts"), Auto()),
        "on_site_reasons": Value(_("on site because"), Choice(ON_SITE_RULES)),
        "answers": Value(_("answers"), Custom(answers_text)),
        "satisfied": Value(_("satisfied"), YesNo()),
        "superseded": Value(_("earlier answers no longer counted"), Auto()),
        "charge_flagged": Value(_("charged for a free service"), YesNo()),
        "consequence": Value(_("consequence"), Choice(Consequence)),
        "raised_complaint": Value(_("complaint raised"), Ref(Complaint)),
        "rehandling_requested": Value(_("re-handling asked of the department"), YesNo()),
        "clock": Value(_("clock"), Choice(ClockKind)),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
        "survey_method": Value(_("survey link sent by"), Choice(SurveyMethod)),
        "survey_link": Value(_("survey link"), Auto()),
        "survey_expires_at": Value(_("survey link valid until"), Moment()),
        "survey_links_revoked": Value(_("earlier survey links revoked"), Auto()),
    },
)

timeline_display.subject(
    VisitCampaign,
    actions={"visit_campaign.created": _("Questionnaire campaign started")},
    fields={"name": Value(_("name"), Auto()), "size": Value(_("customers"), Auto())},
)

timeline_display.subject(
    WorkOrder,
    actions={"work_order.visited": _("Customer answered the return visit")},
    fields={"visit": Value(_("return visit"), Ref(Visit)), "satisfied": Value(_("satisfied"), YesNo())},
)


def _visits(viewer: Any, ids: set[Any]) -> Any:
    from .selectors import visits_for_user

    return visits_for_user(viewer).filter(pk__in=ids).select_related("work_order", "complaint", "campaign")


def planned_what(visit: Visit) -> str:
    """What a planned visit is for, in words: the campaign, the agreement, the product, the holiday."""
    if visit.campaign_id and visit.campaign is not None:
        return visit.campaign.name
    if visit.agreement_id and visit.agreement is not None:
        return f"{visit.agreement.title} {visit.agreement.number}"
    if visit.product_id and visit.product is not None:
        return visit.product.name
    return visit.sample_note


def _visit_name(visit: Visit) -> str:
    subject = visit.work_order or visit.complaint
    if subject is not None:
        return f"{subject.number} L{visit.level}"
    return f"{visit.get_reason_display()} · {visit.contact_name}"


def _visit_url(visit: Visit, viewer: Any) -> str:
    from .notifying import visit_link

    return visit_link(visit)


timeline_display.reference(Visit, visible=_visits, name=_visit_name, url=_visit_url)

system_texts.register(
    _("%(number)s: the customer says they were charged for a free service"),
    _("%(number)s: the customer is not satisfied at the return visit — handle it again"),
    _("A return visit was given to you: %(contact)s, due %(due)s"),
    _("Return visit: the customer is not satisfied (%(questions)s)"),
    _("Not satisfied at the return visit"),
)
# The month's samples: their rule and why each visit is in them, stored as sentences.
system_texts.register(
    _("household drawn at random: %(size)s of %(n)s households (band %(min)s–%(max)s: at least %(ratio)s)"),
    _("drawn at random: %(size)s of %(n)s (%(stratum)s; %(share)s)"),
    _("drawn at random: %(size)s of %(n)s (%(share)s)"),
    _("technician %(name)s"),
    _("no technician"),
    _("service type %(name)s"),
    _("no service type"),
    _("a fixed %(count)s"),
    _("at least %(ratio)s"),
    _("%(households)s households served (%(n)s items): at least %(ratio)s → %(size)s"),
    _("a fixed %(count)s of %(n)s items → %(size)s"),
    _("%(n)s items: at least %(ratio)s, rounded up → %(size)s"),
    _("%(n)s items: at least %(ratio)s of each technician's, rounded up → %(size)s"),
    _("%(n)s items: at least %(ratio)s of each service type's, rounded up → %(size)s"),
)
# The sweep's notices of a visit's clock (the clocks engine), stored as text.
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(
    ClockKind,
    Status,
    Reason,
    Method,
    AttemptOutcome,
    Consequence,
    Selection,
    SurveyDelivery,
    SurveyRevocation,
)

__all__ = ["EVENT_LABELS", "ON_SITE_RULES", "answer_label", "answers_text", "question_label"]
