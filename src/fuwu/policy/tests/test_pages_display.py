"""The policy pages read as text for people: no SLA class keys or preset names in place of their
labels, the reason the system wrote when the organisation was set up in the reader's language, the
seed references of a preset's description as regulations."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from fuwu.org.models import Organisation
from fuwu.policy.display import PRESET_LABELS
from fuwu.policy.selectors import active_policy
from fuwu.policy.services import organisation_create
from fuwu.testing.rendered import page_text, problems


@pytest.fixture
def new_organisation(cast) -> Organisation:
    """An organisation set up from the property preset: its first version says so, in English."""
    organisation = organisation_create(name="新物业公司", preset="property")
    cast.admin.organisation = organisation
    cast.admin.save(update_fields=["organisation"])
    return organisation


def read(client, path: str, language: str) -> str:
    client.cookies["fuwu_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return page_text(response.content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("path", ["/policy/", "/policy/versions/", "/policy/versions/1/"])
def test_policy_pages_have_no_codes_in_place_of_labels(web, cast, new_organisation, language, path):
    text = read(web(cast.admin), path, language)
    codes = [*active_policy(new_organisation).sla.classes, *PRESET_LABELS]
    assert problems(text, language, more_codes=codes) == []
    assert "seeds" not in text
    assert not re.search(r"preset property(?! management)", text)  # the preset by its label, not its code
    with translation.override(language):
        reason = translation.gettext("initialised from preset %(preset)s") % {
            "preset": translation.gettext("property management")
        }
    assert reason in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_active_policy_names_its_classes_and_the_regulations_it_comes_from(
    web, cast, new_organisation, language
):
    text = read(web(cast.admin), "/policy/", language)
    assert "一般报修" in text  # the default class by the label the policy gives it
    with translation.override(language):
        regulations = translation.gettext("(based on regulations %(numbers)s)") % {
            "numbers": ("、" if language == "zh-hans" else ", ").join(["001", "002", "003", "004"])
        }
    assert regulations in text
