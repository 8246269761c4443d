from __future__ import annotations

import pytest

from fuwu.policy.models import PolicyVersion
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.testing.cast import Cast

PROPERTY = preset_text("property")
WITH_NEW_TARGET = PROPERTY.replace("timeliness_at_least = 0.90", "timeliness_at_least = 0.95")


@pytest.fixture
def published(cast: Cast) -> list[PolicyVersion]:
    """Versions 1 (the preset) and 2 (timeliness target raised) of the cast's organisation."""
    first = policy_publish(organisation=cast.organisation, text=PROPERTY, reason="初始制度", by=cast.admin)
    second = policy_publish(
        organisation=cast.organisation, text=WITH_NEW_TARGET, reason="提高及时率目标", by=cast.admin
    )
    first.refresh_from_db()
    return [first, second]
