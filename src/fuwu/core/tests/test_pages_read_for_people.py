"""Every page of the demo organisation reads as text for people, in Chinese and in English.

The walk follows the links of the pages from the home page, as the administrator (who sees
everything), and reads each page as a person would (fuwu.testing.rendered): no Python value (None,
True, False, a dict or a list), on Chinese pages no code of the models' choices, of the SLA classes or
of the presets, on English pages no code with an underscore and no system sentence left in Chinese.

What a page shows on purpose as a code or an identifier is marked in the template (``<code>``,
``data-raw``); anything else that is legitimate goes in ``ALLOWED`` with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from fuwu.org.models import Organisation, User
from fuwu.policy.display import PRESET_LABELS
from fuwu.policy.selectors import active_policy
from fuwu.testing.rendered import page_text, problems

# (path pattern, token, why it is legitimate)
ALLOWED: list[tuple[str, str, str]] = [
    (r"^/calendar/", "holiday", "a value of the notice import's kind column, as the file must have it"),
    (r"^/calendar/", "workday", "a value of the notice import's kind column, as the file must have it"),
    (r"^/calendar/", "None", "the English sentence “None: the holiday data package applies.”"),
]

SKIPPED = re.compile(r"^/(admin|api|i18n|logout|media|static)/|/export/|/read/|/read-all/|/open/|/lookup/")
PER_KIND = 8  # pages of one kind (…/work-orders/<n>/) read per person: the demo's statuses come up


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIPPED.search(parts.path):
            continue
        if parts.query and not re.fullmatch(r"(tab|status|category|page)=[\w-]+", parts.query):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(client: Client, start: list[str]) -> dict[str, str]:
    """Path → text of every page reached from ``start`` (``PER_KIND`` of each kind at most)."""
    seen: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    queue = list(start)
    while queue:
        path = queue.pop(0)
        if path in seen or (kinds[kind_of(path)] >= PER_KIND and path not in start):
            continue
        kinds[kind_of(path)] += 1
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[path] = ""
            continue
        html = response.content.decode()
        seen[path] = page_text(html)
        queue.extend(link for link in links(html) if link not in seen)
    return seen


@pytest.fixture
def demo(db):
    """The demo organisation with its work orders; the sweep has run (A/B hand-overs, escalations)."""
    from fuwu.workorders.sweeps import sweep

    call_command("demo", "--customers", "12", stdout=StringIO())
    sweep(timezone.now())
    return Organisation.objects.get()


def codes_of(organisation: Organisation) -> list[str]:
    return [*active_policy(organisation).sla.classes, *PRESET_LABELS]


def allowed_on(path: str) -> set[str]:
    return {token for pattern, token, _why in ALLOWED if re.search(pattern, path)}


def read(username: str, language: str, start: list[str]) -> dict[str, str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies["fuwu_language"] = language
    return walk(client, start)


def one_work_order_per_status() -> list[str]:
    from fuwu.workorders.models import WorkOrder

    first: dict[str, int] = {}
    for pk, status in WorkOrder.objects.order_by("pk").values_list("pk", "status"):
        first.setdefault(status, pk)
    return [f"/work-orders/{pk}/" for pk in first.values()]


def test_every_page_of_the_demo_reads_as_text_for_people(demo):
    codes = codes_of(demo)
    for language in ("zh-hans", "en"):
        pages = read("admin", language, ["/", "/service/", "/notifications/", *one_work_order_per_status()])
        # people with notifications and work of their own (the administrator has neither in the demo)
        for username, start in (
            ("head_repair", ["/notifications/", "/"]),
            ("tech2", ["/work-orders/mine/", "/"]),
            ("agent1", ["/notifications/", "/work-orders/new/"]),
        ):
            pages.update(
                {f"{path} ({username})": text for path, text in read(username, language, start).items()}
            )
        kinds = {kind_of(path.split(" ")[0]) for path in pages}
        assert {
            "/work-orders/N/",
            "/work-orders/N/voucher/",
            "/customers/N/",
            "/service-types/N/",
            "/policy/",
            "/org/staff/N/",
            "/notifications/",
            "/work-orders/mine/",
        } <= kinds
        found = {
            path: problems(text, language, more_codes=codes, allowed=allowed_on(path))
            for path, text in pages.items()
        }
        bad = {path: tokens for path, tokens in found.items() if tokens}
        assert not bad, f"{language}:\n" + "\n".join(
            f"{path}: {tokens}" for path, tokens in sorted(bad.items())
        )


def test_every_key_the_demo_wrote_into_a_timeline_has_a_label(demo):
    from fuwu.timeline.display import unlabelled_keys
    from fuwu.timeline.models import Event

    missing = {(event.action, key) for event in Event.objects.all() for key in unlabelled_keys(event)}
    assert missing == set()
