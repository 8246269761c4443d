"""What other processes may hear of a work order, inside the transaction of the action that caused
it (a receiver's writes commit or roll back with the action). Return visits are scheduled this way
without work orders knowing about them."""

from __future__ import annotations

from django.dispatch import Signal

# The work is done (``step="done"``) or the customer confirmed it (``step="confirmed"``):
# keyword arguments ``work_order`` (locked), ``step`` and ``now``.
finished = Signal()
# The work order is handled again (重办): ``work_order`` (locked), ``now``.
reopened = Signal()
