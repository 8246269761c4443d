"""Staff pages of work orders: intake, lists, the work order page with its actions, the printable
service voucher (服务凭证) and the technician's phone view.

Reads go through ``selectors`` (which start from ``visibility.work_orders_for_user``: a record
outside it answers 404); every change goes through one service function. A page offers exactly the
actions ``services.allowed_actions`` returns; a forged request for another one gets the service's
answer (409 for the state, 403 for the role) as a message on the page.
"""

from __future__ import annotations

from .common import (
    ACTION_LABELS,
    BUTTON_ACTIONS,
    DANGER_ACTIONS,
    DEFERRAL_LABELS,
    EVENT_LABELS,
    PRIMARY_ACTIONS,
    PRIORITY_COLOURS,
    STATUS_COLOURS,
    department_path,
    local_time,
    organisation_of,
    staff,
    status_colour,
)
from .detail import (
    ACTIONS,
    ActionSpec,
    F,
    PageState,
    PaidServiceBanner,
    complete_form_kwargs,
    complete_initial,
    paid_service_banner,
    pending_approval,
    work_order_action,
    work_order_detail,
)
from .intake import intake_history, intake_lookup, intake_products, intake_service_type, work_order_create
from .lists import (
    PAGE_SIZE,
    TAB_ALIASES,
    TABS,
    W,
    list_tab,
    work_order_list,
)
from .technician import technician_view
from .voucher import voucher

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "BUTTON_ACTIONS",
    "DANGER_ACTIONS",
    "DEFERRAL_LABELS",
    "EVENT_LABELS",
    "PAGE_SIZE",
    "PRIMARY_ACTIONS",
    "PRIORITY_COLOURS",
    "STATUS_COLOURS",
    "TABS",
    "TAB_ALIASES",
    "ActionSpec",
    "F",
    "PageState",
    "PaidServiceBanner",
    "W",
    "complete_form_kwargs",
    "complete_initial",
    "department_path",
    "intake_history",
    "intake_lookup",
    "intake_products",
    "intake_service_type",
    "list_tab",
    "local_time",
    "organisation_of",
    "paid_service_banner",
    "pending_approval",
    "staff",
    "status_colour",
    "technician_view",
    "voucher",
    "work_order_action",
    "work_order_create",
    "work_order_detail",
    "work_order_list",
]
