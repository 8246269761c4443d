"""``active_policy`` is cheap: one tiny query outside requests, none after the first inside one."""

from __future__ import annotations

from fuwu.policy.selectors import active_policy, begin_request_scope, end_request_scope
from fuwu.policy.services import policy_publish

from .conftest import PROPERTY


def test_outside_a_request_one_query_per_call(cast, published, django_assert_num_queries):
    active_policy(cast.organisation)  # the document is parsed once per process

    with django_assert_num_queries(1):
        assert active_policy(cast.organisation).kpi.timeliness_at_least == 0.95


def test_inside_a_request_the_active_version_is_remembered_until_a_publish(
    cast, published, django_assert_num_queries
):
    begin_request_scope()
    try:
        active_policy(cast.organisation)
        with django_assert_num_queries(0):
            for _ in range(10):
                active_policy(cast.organisation)

        policy_publish(
            organisation=cast.organisation,
            text=PROPERTY.replace("0.85", "0.80"),
            reason="调整",
            by=cast.admin,
        )

        assert active_policy(cast.organisation).kpi.satisfaction_at_least == 0.80
    finally:
        end_request_scope()
