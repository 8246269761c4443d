"""The export engine itself: the "My exports" page and its polling, jobs of others, clean-up of jobs
that never finished, and the vendored font."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fuwu.exports import pdf, services
from fuwu.exports.models import Export, ExportStatus
from fuwu.exports.xlsx import sheet_name


@pytest.fixture(autouse=True)
def exports_folder(settings: Any, tmp_path: Any) -> None:
    settings.FUWU_EXPORT_ROOT = str(tmp_path / "exports")


def job(user: Any, status: str = ExportStatus.RUNNING, **values: Any) -> Export:
    values = {"kind": "work-orders", **values}
    return Export.objects.create(
        organisation=user.organisation,
        requested_by=user,
        title="工单台账",
        language="zh-hans",
        status=status,
        **values,
    )


def test_my_exports_polls_while_a_job_runs_and_stops_when_done(cast, web):
    running = job(cast.agent, rows_done=500, rows_total=2000)
    client = web(cast.agent)
    page = client.get("/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'value="25"' in html  # 500 of 2,000 rows
    assert "500" in html
    assert "2000" in html
    fragment = client.get("/exports/", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert f'data-testid="export-{running.pk}"'.encode() in fragment.content
    Export.objects.filter(pk=running.pk).update(status=ExportStatus.FAILED)
    after = client.get("/exports/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in after
    assert 'data-status="failed"' in after
    assert "<script" not in html.split("</nav>", 1)[1]  # no inline script (CSP)


def test_nobody_sees_another_persons_jobs(cast, web, api):
    theirs = job(cast.agent, status=ExportStatus.DONE, file="2026/11/x.xlsx", filename="x.xlsx")
    assert f"export-{theirs.pk}".encode() not in web(cast.head_repair).get("/exports/").content
    assert web(cast.head_repair).get(f"/exports/{theirs.pk}/download/").status_code == 404
    assert api(cast.outsider).get(f"exports/{theirs.pk}").status_code == 404
    assert api(cast.outsider).get(f"exports/{theirs.pk}/file").status_code == 404


def test_a_job_that_never_finished_is_marked_failed_after_the_keeping_time(cast, settings):
    stuck = job(cast.agent)
    Export.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(days=settings.FUWU_EXPORT_KEEP_DAYS + 1)
    )
    fresh = job(cast.agent)
    services.delete_expired()
    assert Export.objects.get(pk=stuck.pk).status == ExportStatus.FAILED
    assert Export.objects.get(pk=fresh.pk).status == ExportStatus.RUNNING


def test_an_unknown_kind_is_404(cast, web):
    assert web(cast.agent).get("/exports/xlsx/nonsense/").status_code == 404


def test_sheet_names_are_valid():
    assert sheet_name("工单台账 [2026/11]: *?") == "工单台账  2026 11"
    assert len(sheet_name("x" * 40)) == 31


def test_the_vendored_font_has_every_basic_hanzi_and_its_licence():
    from fontTools.ttLib import TTFont

    assert pdf.VENDORED_FONT.exists()
    assert (pdf.DATA / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    font = TTFont(pdf.VENDORED_FONT, lazy=True)
    cmap = font.getBestCmap()
    for character in "服务凭证喆玥堃翀￥：（）、。¥℃✓□×":
        assert ord(character) in cmap, character
    assert "glyf" in font  # TrueType outlines: embedded as CIDFontType2 / FontFile2


def test_a_job_that_cannot_be_written_fails_visibly(cast, web):
    broken = job(cast.agent, status=ExportStatus.QUEUED, kind="no-such-register")
    services.run_export(broken.pk)
    broken.refresh_from_db()
    assert broken.status == ExportStatus.FAILED
    assert broken.error
    assert broken.finished_at is not None
    page = web(cast.agent).get("/exports/").content.decode()
    assert 'data-status="failed"' in page
    assert web(cast.agent).get(f"/exports/{broken.pk}/download/").status_code == 404
