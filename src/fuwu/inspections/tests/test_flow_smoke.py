from __future__ import annotations

from decimal import Decimal

from fuwu.inspections import services
from fuwu.inspections.models import RectificationStatus, Status

from .conftest import at


def test_inspection_to_verified_rectification(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[
            services.AnswerIn("uniform", "fail", note="两人未戴工牌"),
            services.AnswerIn("site_clean", "pass"),
            services.AnswerIn("phrases", "pass"),
            services.AnswerIn("records", score=7),
            services.AnswerIn("safety", "pass"),
        ],
        now=at(2026, 9, 15, 10),
    )
    inspection = services.inspection_submit(inspection=inspection, by=cast.quality, now=at(2026, 9, 15, 11))
    assert inspection.status == Status.SUBMITTED
    # (0 + 3 + 1 + 4 * 7/10 + 2) / 12 = 8.8 / 12 = 73.3 %
    assert inspection.score == Decimal("73.3")
    assert inspection.passed is False
    (order,) = inspection.rectifications.all()
    assert order.status == RectificationStatus.ISSUED
    services.rectification_acknowledge(rectification=order, by=cast.head_repair, now=at(2026, 9, 15, 14))
    services.rectification_record_done(
        rectification=order, by=cast.tech, action_taken="已补发工牌", now=at(2026, 9, 16, 9)
    )
    order = services.rectification_verify(
        rectification=order, by=cast.quality, passed=False, note="仍有一人未佩戴", now=at(2026, 9, 16, 15)
    )
    assert order.status == RectificationStatus.IN_RECTIFICATION
    services.rectification_record_done(
        rectification=order, by=cast.tech, action_taken="全员佩戴", now=at(2026, 9, 17, 9)
    )
    order = services.rectification_verify(
        rectification=order, by=cast.quality, passed=True, note="已整改", now=at(2026, 9, 17, 15)
    )
    assert order.status == RectificationStatus.VERIFIED
