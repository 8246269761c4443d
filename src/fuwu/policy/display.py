"""How policy values are shown: preset names, SLA classes, the seed references of preset texts
(loaded by the timeline app at start-up)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu.lib import display as fmt
from fuwu.lib.display import system_texts
from fuwu.org.models import Organisation
from fuwu.timeline.display import Auto, Choice, Custom, Value, timeline_display

from .models import PolicyVersion
from .schema import PolicyDocument

PRESET_LABELS = {
    "property": gettext_lazy("property management"),
    "after_sales": gettext_lazy("after-sales service"),
    "utility": gettext_lazy("water and heating utility"),
    "it_ops": gettext_lazy("IT operations"),
}


def preset_label(code: str) -> str:
    label = PRESET_LABELS.get(code)
    return str(label) if label is not None else code


# The kinds of record numbered by ``[numbering]``: the two every policy has; a further process registers
# its own kind's label here from its app's ``display`` module.
NUMBER_KIND_LABELS: dict[str, Any] = {
    "work_order": gettext_lazy("Work order"),
    "complaint": gettext_lazy("Complaint"),
}


def register_number_kind(kind: str, label: Any) -> None:
    NUMBER_KIND_LABELS[kind] = label


def number_kind_label(kind: str) -> str:
    """A numbered kind of record for people; a kind no app registered shows in words from its key."""
    label = NUMBER_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind.replace("_", " ")


def sla_class_label(document: PolicyDocument | None, code: str) -> str:
    """The policy's label of an SLA class (紧急报修), not its key (``urgent``)."""
    if document is not None:
        found = document.sla.classes.get(code)
        if found is not None and found.label:
            return found.label
    return code


def sla_class_label_for(organisation: Organisation | None, code: str) -> str:
    from .selectors import active_policy

    return sla_class_label(active_policy(organisation) if organisation is not None else None, code)


# "(seeds 001, 002, 003, 004)" in a preset's description names the regulations (the project's
# seed documents) it was drawn from: said as regulations, in the reader's language.
_SEEDS = re.compile(r"\s*[(（]\s*seeds?\s+((?:\d{3}[\s,，、]*)+)[)）]")


def policy_text(text: str) -> str:
    """A policy's description or a version's reason as the reader should see it."""
    if not text:
        return text

    def regulations(match: re.Match[str]) -> str:
        numbers = re.findall(r"\d{3}", match.group(1))
        return " " + _("(based on regulations %(numbers)s)") % {"numbers": fmt.join_list(numbers)}

    return _SEEDS.sub(regulations, fmt.system_text(text))


def _sla_classes(context: Any) -> dict[str, str]:
    viewer = getattr(context, "viewer", None)
    organisation = getattr(viewer, "organisation", None)
    if organisation is None:
        return {}
    from .selectors import active_policy

    return {code: sla.label or code for code, sla in active_policy(organisation).sla.classes.items()}


SLA_CLASS = Choice(_sla_classes)

timeline_display.subject(
    PolicyVersion,
    actions={"policy.published": gettext_lazy("Policy published")},
    fields={"version": Value(gettext_lazy("version"), Auto())},
)
timeline_display.subject(
    Organisation,
    actions={"organisation.created": gettext_lazy("Organisation created")},
    fields={"preset": Value(format=Custom(lambda code, context: preset_label(str(code))))},
)

# ``policy_publish`` for a new organisation stores this reason (with the preset's code).
system_texts.register(gettext_lazy("initialised from preset %(preset)s"), preset=PRESET_LABELS)
# A preset's name is a word (物业管理 may be part of a company's name), not a sentence.
system_texts.register_choices(PRESET_LABELS.values())
