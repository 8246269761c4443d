"""What a browser gets before signing in: an icon at /favicon.ico, a sign-in page without the menu."""

from __future__ import annotations


def test_favicon_ico_is_an_image(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"<svg" in response.content


def test_the_sign_in_page_shows_no_navigation(client, db):
    html = client.get("/login/").content.decode()

    assert 'id="nav-upcoming"' not in html  # no "coming next" menu
    assert 'class="navbar-nav' not in html
    assert 'name="username"' in html
    assert 'name="language"' in html  # the language can still be chosen


def test_signed_in_staff_still_have_the_navigation(cast, web):
    html = web(cast.agent).get("/").content.decode()

    assert 'class="navbar-nav' in html
    assert 'href="/work-orders/"' in html
