"""What other processes may hear of a complaint, inside the transaction of the action that caused
it (a receiver's writes commit or roll back with the action). Return visits are run this way
without complaints knowing about them."""

from __future__ import annotations

from django.dispatch import Signal

# The customer was replied to and the return visit is due: ``complaint`` (locked), ``due_at``,
# ``role`` (who visits), ``now``.
replied = Signal()
# The due return visit ended: ``complaint``, ``outcome`` ("done": the customer's answer was
# recorded, ``answer`` holds it; "cancelled": re-handling, a new reply or the close made it moot),
# ``now``.
return_visit_ended = Signal()
