"""Who may see and change what. Every page, API endpoint, export and search goes through here.

Rules (REQUIREMENTS §15):
- Nobody sees another organisation's records.
- Directors, quality inspectors and administrators see everything of their organisation.
- Department heads and other staff see their own department and the departments below it; staff
  also see what is assigned to them or what they first received (later work-order rules add these
  through ``person_fields``).
- A record's confidentiality level (秘密/机密/绝密) above the user's clearance hides it from everyone.
- Agents take calls from any customer (首问负责制), so they see every customer of the organisation.
A record outside these rules does not exist for the user: interfaces answer 404, never 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from fuwu.org.models import Absence, Department, Duty, Role, User

if TYPE_CHECKING:
    from fuwu.catalogue.models import ServiceType
    from fuwu.customers.models import Customer
    from fuwu.workorders.models import WorkOrder

M = TypeVar("M", bound=Model)

ORGANISATION_WIDE_ROLES = (Role.DIRECTOR, Role.QUALITY_INSPECTOR, Role.ADMINISTRATOR)


def is_staff_member(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "organisation_id", None))


def sees_whole_organisation(user: User) -> bool:
    return user.is_superuser or user.has_role(*ORGANISATION_WIDE_ROLES)


def is_administrator(user: Any) -> bool:
    return is_staff_member(user) and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def department_scope_q(user: User, field: str = "department") -> Q:
    """Records whose department is the user's own or one below it."""
    department = user.department
    if department is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": department.path})


def scoped(
    queryset: QuerySet[M],
    user: Any,
    *,
    department_field: str | None = "department",
    organisation_field: str = "organisation",
    confidentiality_field: str | None = None,
    person_fields: Iterable[str] = (),
    organisation_wide_roles: Iterable[str] = ORGANISATION_WIDE_ROLES,
) -> QuerySet[M]:
    """``queryset`` narrowed to what ``user`` may see under the rules above."""
    if not is_staff_member(user):
        return queryset.none()
    queryset = queryset.filter(**{organisation_field: user.organisation_id})
    if confidentiality_field:
        queryset = queryset.filter(**{f"{confidentiality_field}__lte": user.clearance})
    if user.is_superuser or user.has_role(*organisation_wide_roles):
        return queryset
    condition = Q(pk__in=[])
    if department_field:
        condition |= department_scope_q(user, department_field)
    for field in person_fields:
        condition |= Q(**{field: user.pk})
    return queryset.filter(condition)


def get_visible_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- organisation ---------------------------------------------------------------------------


def departments_for_user(user: Any) -> QuerySet[Department]:
    """The department tree is known to every member of staff of the organisation."""
    return scoped(Department.objects.all(), user, department_field=None, organisation_wide_roles=Role.values)


def staff_for_user(user: Any) -> QuerySet[User]:
    """Colleagues' names and posts are known organisation-wide (needed to route and dispatch)."""
    return scoped(
        User.objects.filter(is_active=True).select_related("department"),
        user,
        department_field=None,
        organisation_wide_roles=Role.values,
    )


def absences_for_user(user: Any) -> QuerySet[Absence]:
    """Own absences; a department's for its head and staff; all for organisation-wide roles."""
    return scoped(
        Absence.objects.select_related("person", "person__department"),
        user,
        department_field="person__department",
        organisation_field="person__organisation",
        person_fields=("person",),
    )


def duties_for_user(user: Any) -> QuerySet[Duty]:
    """Who holds which duty is needed organisation-wide to address work correctly."""
    return scoped(
        Duty.objects.select_related("department", "primary", "backup"),
        user,
        department_field=None,
        organisation_wide_roles=Role.values,
    )


def customers_for_user(user: Any) -> QuerySet[Customer]:
    from fuwu.customers.models import Customer

    return scoped(
        Customer.objects.all(),
        user,
        confidentiality_field="confidentiality",
        organisation_wide_roles=(*ORGANISATION_WIDE_ROLES, Role.AGENT),
    )


def service_types_for_user(user: Any) -> QuerySet[ServiceType]:
    """The service catalogue is read by every member of staff of the organisation."""
    from fuwu.catalogue.models import ServiceType

    return scoped(ServiceType.objects.all(), user, department_field=None, organisation_wide_roles=Role.values)


def work_orders_for_user(user: Any) -> QuerySet[WorkOrder]:
    """Work orders of the user's department (handling or receiving), and those they handle or first
    received, within their clearance; everything for organisation-wide roles."""
    from fuwu.workorders.models import WorkOrder

    if not is_staff_member(user):
        return WorkOrder.objects.none()
    queryset = WorkOrder.objects.filter(
        organisation=user.organisation_id, confidentiality__lte=user.clearance
    )
    if user.is_superuser or user.has_role(*ORGANISATION_WIDE_ROLES):
        return queryset
    # Written on the outer query (no "pk IN (subquery over the whole table)"), so that the planner
    # can use the (organisation, department, status, …) indexes: 8 ms instead of 60+ ms at 10⁵ rows.
    team = WorkOrder.team.through.objects.filter(workorder_id=OuterRef("pk"), user_id=user.pk)
    condition = (
        Q(assignee=user.pk) | Q(first_contact_owner=user.pk) | Q(handed_over_from=user.pk) | Q(Exists(team))
    )
    if user.department_id is not None:
        subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
        condition |= Q(department_id__in=subtree) | Q(intake_department_id__in=subtree)
    return queryset.filter(condition)


@dataclass(frozen=True)
class Rule:
    """How one kind of record is seen: the queryset of what a user sees, and optionally who of some
    people may see one record, in a bounded number of queries (not one per person)."""

    visible_for: Callable[[Any], QuerySet[Any]]
    who_may_see: Callable[[Sequence[User], Any], set[int]] | None = None


_RULES: dict[str, Rule] = {}


def register_rule(
    label: str,
    *,
    visible_for: Callable[[Any], QuerySet[Any]],
    who_may_see: Callable[[Sequence[User], Any], set[int]] | None = None,
) -> None:
    """The visibility rule of the records of model ``label`` (``app_label.ModelName``). A process
    registers its own records; ``may_see`` and ``who_may_see`` refuse a record without a rule."""
    _RULES[label.lower()] = Rule(visible_for=visible_for, who_may_see=who_may_see)


def _rule(record: Model) -> Rule:
    rule = _RULES.get(record._meta.label_lower)
    if rule is None:
        raise TypeError(f"no visibility rule for {type(record).__name__}")
    return rule


def visible_of_kind(model: type[Model], user: Any) -> QuerySet[Any]:
    """The records of ``model`` that ``user`` may see, under the rule its process registered
    (TypeError for a model without one): for lists that name records of any kind."""
    rule = _RULES.get(model._meta.label_lower)
    if rule is None:
        raise TypeError(f"no visibility rule for {model.__name__}")
    return rule.visible_for(user)


def _decided_by_user_alone(user: Any, record: Model) -> bool | None:
    """What the rules decide from the user alone, without a query: another organisation, a level
    above the clearance, or a role that sees the whole organisation (escalations go to those)."""
    if not is_staff_member(user) or user.organisation_id != getattr(record, "organisation_id", None):
        return False
    if user.clearance < getattr(record, "confidentiality", 0):
        return False
    if sees_whole_organisation(user):
        return True
    return None


def may_see(user: Any, record: Model) -> bool:
    """Whether ``user`` may see ``record`` under the rules of its kind: the test every message that
    names a record (notifications, their e-mails and robot posts) passes for each recipient."""
    rule = _rule(record)
    decided = _decided_by_user_alone(user, record)
    if decided is not None:
        return decided
    return bool(rule.visible_for(user).filter(pk=record.pk).exists())


def who_may_see(people: Iterable[Any], record: Model) -> list[User]:
    """Those of ``people`` (in their order, each once) who may see ``record``: the same answer as
    ``may_see`` for each, in a bounded number of queries when the record's rule can say it at once."""
    rule = _rule(record)
    distinct: dict[int, User] = {}
    for person in people:
        if person is not None and person.pk is not None:
            distinct.setdefault(person.pk, person)
    undecided: list[User] = []
    allowed: set[int] = set()
    for person in distinct.values():
        decided = _decided_by_user_alone(person, record)
        if decided is True:
            allowed.add(person.pk)
        elif decided is None:
            undecided.append(person)
    if undecided:
        if rule.who_may_see is not None:
            allowed |= rule.who_may_see(undecided, record)
        else:
            allowed |= {p.pk for p in undecided if rule.visible_for(p).filter(pk=record.pk).exists()}
    return [person for pk, person in distinct.items() if pk in allowed]


def _ancestor_ids(paths: Iterable[str]) -> set[int]:
    """The departments on the materialised paths ("/1/4/9/" → 1, 4, 9)."""
    return {int(part) for path in paths for part in path.strip("/").split("/") if part.isdigit()}


def work_order_viewers(people: Sequence[User], work_order: WorkOrder) -> set[int]:
    """Who of ``people`` (same organisation, cleared, no organisation-wide role: ``who_may_see``
    decided the others) sees ``work_order`` under ``work_orders_for_user``'s rules, in at most two
    queries: the person fields of the order, its team, and the departments above its handling and
    receiving departments (a department sees the ones below it)."""
    from fuwu.workorders.models import WorkOrder

    named = {work_order.assignee_id, work_order.first_contact_owner_id, work_order.handed_over_from_id}
    allowed = {p.pk for p in people if p.pk in named}
    rest = [p.pk for p in people if p.pk not in allowed]
    if not rest:
        return allowed
    department_ids = {d for d in (work_order.department_id, work_order.intake_department_id) if d}
    paths = Department.objects.filter(pk__in=department_ids).values_list("path", flat=True)
    team = WorkOrder.team.through.objects.filter(workorder_id=work_order.pk, user_id=OuterRef("pk"))
    condition = Q(Exists(team))
    if department_ids:
        condition |= Q(department_id__in=_ancestor_ids(paths))
    return allowed | set(User.objects.filter(pk__in=rest).filter(condition).values_list("pk", flat=True))


# The rules of the records this module knows; a new process registers its own from its app.
register_rule("workorders.WorkOrder", visible_for=work_orders_for_user, who_may_see=work_order_viewers)
register_rule("customers.Customer", visible_for=customers_for_user)


def below_clearance(people: Iterable[User], confidentiality: int) -> list[User]:
    """Those of ``people`` whose clearance is below a record's confidentiality level."""
    return [person for person in people if person.clearance < confidentiality]


# --- changes --------------------------------------------------------------------------------


def can_manage_organisation(user: Any) -> bool:
    """Departments, staff, duties, service types, calendar, policy: administrators only."""
    return is_administrator(user)


def can_record_absence_for(user: Any, person: User) -> bool:
    if not is_staff_member(user) or person.organisation_id != user.organisation_id:
        return False
    if is_administrator(user) or user.pk == person.pk:
        return True
    return user.has_role(Role.DEPARTMENT_HEAD) and bool(
        person.department is not None
        and user.department_id
        and person.department.path.startswith(user.department.path)
    )


def can_edit_customers(user: Any) -> bool:
    return is_staff_member(user) and user.has_role(Role.AGENT, Role.ADMINISTRATOR, Role.DEPARTMENT_HEAD)


def sees_full_phone_numbers(user: Any) -> bool:
    """Roles named in the policy's ``privacy.unmasked_roles`` see phone numbers whole."""
    if not is_staff_member(user):
        return False
    from fuwu.policy.selectors import active_policy

    return user.has_role(*active_policy(user.organisation).privacy.unmasked_roles)


def mask_phone(number: str) -> str:
    """138****5678: the first three and last four digits stay, so a caller can be recognised."""
    digits = number.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) <= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# A mobile (1[3-9] + 9 digits) or a landline with its area code, not part of a longer number.
_PHONE_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
# Keys whose value is a phone number however it is written (timeline changes, API payloads).
PHONE_KEYS = frozenset({"phone", "caller_phone", "phones"})


class PhoneShown:
    """The one phone-masking rule of every page, API answer, export and timeline.

    Whether ``user`` sees numbers whole is the policy's ``privacy.unmasked_roles``, decided once per
    request (not per row). ``shown(number)`` is a number as the user may see it (138****5678);
    ``shown(number, whole=True)`` shows it whole anyway (the user's own number, or one they have just
    typed). ``shown.in_value(value)`` masks the numbers inside timeline changes and other nested
    values: under a phone key (``phone``, ``caller_phone``, ``phones``) the whole value, elsewhere
    every number inside the text that looks like a phone number.
    """

    def __init__(self, user: Any) -> None:
        self.full = sees_full_phone_numbers(user)

    def __call__(self, number: str | None, *, whole: bool = False) -> str:
        if not number:
            return ""
        return number if self.full or whole else mask_phone(number)

    def in_value(self, value: Any, *, key: str = "") -> Any:
        if self.full:
            return value
        if isinstance(value, str):
            if key in PHONE_KEYS:
                return mask_phone(value) if value else value
            return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), value)
        if isinstance(value, list | tuple):
            return [self.in_value(v, key=key) for v in value]
        if isinstance(value, dict):
            # ``{"before": …, "after": …}`` keeps the key it changes; other dicts name their own keys.
            return {
                k: self.in_value(v, key=key if k in ("before", "after") else str(k)) for k, v in value.items()
            }
        return value


def mask_phones_in(text: str) -> str:
    """``text`` with every phone number in it masked (a message for someone who may not see them)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def phone_for(user: Any, number: str) -> str:
    return PhoneShown(user)(number)
