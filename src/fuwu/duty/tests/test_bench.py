"""The home page's duty bench: my next shifts, the swaps asked of me, the handovers waiting for my
signature — and nothing for someone with none of these."""

from __future__ import annotations

import time_machine

from fuwu.duty import services

from .conftest import PLANNED, at

NOV_10 = at(2026, 11, 10, 8)


def home(client, user) -> str:
    client.force_login(user)
    with time_machine.travel(PLANNED, tick=False):
        return client.get("/").content.decode()


def test_my_next_shift_and_a_swap_asked_of_me(client, centre, put_on):
    shift = put_on(centre.agent, NOV_10)
    swap = services.swap_request(
        shift=shift, by=centre.agent, colleague=centre.agent2, reason="家中有事", now=PLANNED
    )
    mine = home(client, centre.agent)
    assert 'data-testid="duty-bench"' in mine
    assert f'data-shift="{shift.pk}"' in mine
    assert f'data-swap="{swap.pk}"' not in mine  # asked by me, not of me
    theirs = home(client, centre.agent2)
    assert f'data-swap="{swap.pk}"' in theirs
    assert "客服小张" in theirs  # who asks, by name
    assert 'data-testid="duty-bench"' not in home(client, centre.tech)


def test_a_past_shift_is_not_on_the_bench(client, centre, put_on):
    put_on(centre.agent, at(2026, 11, 3, 8))
    client.force_login(centre.agent)
    with time_machine.travel(at(2026, 11, 5, 9), tick=False):
        page = client.get("/").content.decode()
    assert 'data-testid="duty-bench"' not in page
