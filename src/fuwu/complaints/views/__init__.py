"""Staff pages of complaints: intake (hotline, letters, the suggestion box, from a work order), the
lists, the complaint page with its actions (also on a head's phone), and the penalty proposals.

Reads go through ``selectors`` (which start from ``complaints_for_user``: a complaint outside it
answers 404); every change goes through one service function. A page offers exactly the actions
``services.allowed_actions`` returns; a forged request for another one gets the service's answer
(409 for the state, 403 for the role) as a message on the page.

``pdf`` and ``reports`` (the printed form, the register and the cost report) are the exports' pages.
"""

from __future__ import annotations

from .detail import ACTIONS, complaint_action, complaint_detail
from .intake import complaint_create, intake_history, intake_lookup
from .lists import PAGE_SIZE, TABS, complaint_list
from .penalties import penalty_action, penalty_list

__all__ = [
    "ACTIONS",
    "PAGE_SIZE",
    "TABS",
    "complaint_action",
    "complaint_create",
    "complaint_detail",
    "complaint_list",
    "intake_history",
    "intake_lookup",
    "penalty_action",
    "penalty_list",
]
