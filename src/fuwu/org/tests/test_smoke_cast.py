from fuwu.timeline.models import Event


def test_cast_builds_with_department_paths_and_events(cast):
    assert cast.plumbing.path.startswith(cast.repair.path)
    assert cast.tech.has_role("technician") and not cast.tech.has_role("agent")
    assert Event.objects.filter(action="staff.created").count() == 12
