from django.utils import translation

from fuwu.lib import display as fmt
from fuwu.org.models import Department
from fuwu.timeline.display import timeline_display
from fuwu.workorders.models import WorkOrder


def test_change_labels_are_the_fields_verbose_names_in_the_users_language(db):
    with translation.override("zh-hans"):
        assert str(timeline_display.value(Department, "name").label) == "名称"
        assert str(timeline_display.value(WorkOrder, "clock.arrival").label) == "到场"
        assert not timeline_display.is_labelled(Department, "no_such_field")
        assert timeline_display.value(Department, "no_such_field").label == "no such field"
    with translation.override("en"):
        assert str(timeline_display.value(Department, "name").label) == "name"


def test_recorded_times_are_shown_in_local_time():
    assert fmt.local_time("2026-11-22T14:02:27.085812+00:00") == "2026-11-22 22:02"
    assert fmt.local_time("GD2611-00011") == "GD2611-00011"
    assert fmt.local_day("2026-11-22") == "2026-11-22"


def test_reverse_relations_are_labelled_by_the_related_model(db):
    from fuwu.customers.models import Customer

    with translation.override("en"):
        assert str(timeline_display.value(Customer, "phones").label) == "phones"
        assert str(timeline_display.value(Customer, "products").label) != ""
