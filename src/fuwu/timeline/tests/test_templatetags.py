from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from fuwu.org.models import Department
from fuwu.timeline.templatetags.timeline import change_label, change_value


def test_change_labels_are_the_fields_verbose_names_in_the_users_language(db):
    event = SimpleNamespace(subject_type_id=1, subject_type=ContentType.objects.get_for_model(Department))
    with translation.override("zh-hans"):
        assert str(change_label("name", event)) == "名称"
        assert str(change_label("clock.arrival", event)) == "到场"
        assert change_label("no_such_field", event) == "no_such_field"
    with translation.override("en"):
        assert str(change_label("name", event)) == "name"


def test_recorded_times_are_shown_in_local_time():
    assert change_value("2026-11-22T14:02:27.085812+00:00") == "2026-11-22 22:02"
    assert change_value("GD2611-00011") == "GD2611-00011"
    assert change_value(3) == 3


def test_reverse_relations_are_labelled_by_the_related_model(db):
    from fuwu.customers.models import Customer

    event = SimpleNamespace(subject_type_id=1, subject_type=ContentType.objects.get_for_model(Customer))
    with translation.override("en"):
        assert str(change_label("phones", event)) == "phones"
        assert str(change_label("products", event)) != ""
