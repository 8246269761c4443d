"""Navigation for the whole product. Sections of later releases appear, marked not yet available."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu import visibility


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str | None  # None: not yet available
    section: str
    group: str = "main"  # "settings": the reference data, in one dropdown (the bar fits a 1366 px screen)
    # A laptop's bar has no room for every section: below this breakpoint ("xl": 1200 px, "xxl":
    # 1400 px) and from 992 px the section is in the "More" menu instead; "never": always in "More";
    # "": always on the bar.
    # A phone's collapsed menu lists every section.
    bar_from: str = ""

    @property
    def url(self) -> str | None:
        return reverse(self.url_name) if self.url_name else None


NAVIGATION = [
    NavItem(_("Home"), "core:home", "home"),
    NavItem(_("Work orders"), "workorders:list", "workorders"),
    NavItem(_("Complaints"), "complaints:list", "complaints"),
    # Translators: navigation; short for 回访 (return visits), the bar must fit a 992 px screen.
    NavItem(pgettext_lazy("navigation", "Visits"), "visits:list", "visits", bar_from="xl"),
    NavItem(_("Inspections"), "inspections:list", "inspections", bar_from="xxl"),
    # Translators: navigation; the short name quality managers use (纠正预防措施).
    NavItem(pgettext_lazy("navigation", "CAPA"), "capa:list", "capa", bar_from="xxl"),
    NavItem(_("KPIs"), None, "kpi"),
    NavItem(_("Assessment"), None, "assessment"),
    NavItem(_("Plans and supervision"), None, "plans"),
    NavItem(_("Customers"), "customers:list", "customers", bar_from="xxl"),
    # Translators: navigation; 排班与交接班
    NavItem(pgettext_lazy("navigation", "Shifts and handover"), "duty:mine", "duty", bar_from="never"),
    # Translators: navigation; 外包供方
    NavItem(pgettext_lazy("navigation", "Suppliers"), "suppliers:list", "suppliers", bar_from="never"),
    # Translators: navigation; 物品批次追溯 (e.g. 消毒供应)
    NavItem(pgettext_lazy("navigation", "Item batches"), "tracing:list", "tracing", bar_from="never"),
    NavItem(_("Service types"), "catalogue:list", "catalogue", "settings"),
    NavItem(_("Organisation"), "org:departments", "org", "settings"),
    NavItem(_("Policy"), "policy:active", "policy", "settings"),
    NavItem(_("Calendar"), "workcal:calendar", "workcal", "settings"),
]


class AwaitingApprovals:
    """The approvals awaiting the signed-in user's decision, counted with one query when a page first
    shows the badge."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._count: int | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            from fuwu.approvals.selectors import inbox_count

            self._count = inbox_count(self.user)
        return self._count

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return str(self.count) if self.count < 100 else "99+"


class UnreadNotifications:
    """The signed-in user's unread notifications, counted with one query when a page first shows it
    (pages that do not show the navigation bar, such as fragments, do not pay for it)."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self._count: int | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            from fuwu.notify.models import Notification

            self._count = Notification.objects.filter(recipient_id=self.user_id, read_at__isnull=True).count()
        return self._count

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return str(self.count) if self.count < 100 else "99+"


# The views of the notifications app that are the inbox (the others are settings and the outbox).
NOTIFY_INBOX = frozenset({"notify:list", "notify:read", "notify:read_all", "notify:open"})


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"navigation": []}
    match = getattr(request, "resolver_match", None)
    current = match.app_name if match else ""
    items = [
        {
            "label": item.label,
            "url": item.url,
            "active": item.section == current or (current == "core" and item.section == "home"),
            "available": item.url_name is not None,
            "group": item.group,
            # The brand leads home: a laptop's bar (from 992 px) needs the room of "Home".
            "wide_only": item.section == "home",
            "bar_from": item.bar_from,
        }
        for item in NAVIGATION
    ]
    from fuwu.approvals.selectors import approves_anything

    if approves_anything(request.user):  # after "Work orders": what awaits the user's decision
        items.insert(
            2,
            {
                "label": _("Approvals"),
                "url": reverse("approvals:inbox"),
                "available": True,
                "active": current == "approvals",
                "group": "main",
                "badge": AwaitingApprovals(request.user),
            },
        )
    is_administrator = visibility.is_administrator(request.user)
    outbox_active = match is not None and match.view_name == "notify:outbox"
    if is_administrator and settings.FUWU_SHOW_OUTBOX:  # development and test: no SMS gateway
        items.append(
            {
                "label": _("SMS outbox"),
                "url": reverse("notify:outbox"),
                "available": True,
                "active": outbox_active,
                "group": "settings",
            }
        )
    if is_administrator:  # the departments' group robots (WeCom, DingTalk, Feishu)
        items.append(
            {
                "label": _("Group robots"),
                "url": reverse("notify:robots"),
                "available": True,
                "active": match is not None and match.view_name.startswith("notify:robot"),
                "group": "settings",
            }
        )
    return {
        "navigation": items,
        "settings_active": any(i["active"] for i in items if i["group"] == "settings"),
        "more_active": any(i["active"] for i in items if i.get("bar_from")),
        "unread_notifications": UnreadNotifications(request.user.pk),
        "notifications_active": current == "notify" and match is not None and match.view_name in NOTIFY_INBOX,
        "is_administrator": is_administrator,
    }
