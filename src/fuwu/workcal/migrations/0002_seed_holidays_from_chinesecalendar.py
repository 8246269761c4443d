"""Seed the calendar with every holiday and make-up working day of the chinesecalendar package."""

from django.db import migrations


def seed(apps, schema_editor):
    from fuwu.workcal.package import package_version, sync_from_package

    sync_from_package(
        apps.get_model("workcal", "CalendarDay"),
        apps.get_model("workcal", "CalendarYear"),
        note=f"chinesecalendar {package_version()}",
    )


def unseed(apps, schema_editor):
    apps.get_model("workcal", "CalendarDay").objects.filter(source="package").delete()
    apps.get_model("workcal", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workcal", "0001_calendar_days_and_years"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
