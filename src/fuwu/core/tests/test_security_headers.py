"""Production security: the Content Security Policy on every page, HTTPS switches from one variable,
and `fuwu check --deploy` clean with the production environment the README documents."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import fuwu
from fuwu.core.tests.test_settings import run_with_settings

PACKAGE = Path(fuwu.__file__).parent


def documented_production_environment(tmp_path: Path) -> dict[str, str]:
    """README, "Production": the variables a production server is started with."""
    return {
        "FUWU_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48)[:50],
        "ALLOWED_HOSTS": "fuwu.example.cn",
        "FUWU_HTTPS": "1",
        "DATABASE_URL": "postgres://fuwu:secret@127.0.0.1:1/fuwu",  # never connected to by the check
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }


def deploy_check(tmp_path: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    # Only what a production server has: not the test run's database, nor the browser fixture's
    # DJANGO_ALLOW_ASYNC_UNSAFE (which the deploy check rightly refuses).
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "PYTEST_VERSION",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update({"FUWU_VAR_DIR": str(tmp_path / "var"), **environment})
    return subprocess.run(
        [sys.executable, "-m", "fuwu", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_the_documented_production_environment(tmp_path):
    completed = deploy_check(tmp_path, documented_production_environment(tmp_path))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "System check identified no issues" in completed.stdout + completed.stderr


def test_deploy_check_warns_when_production_is_not_said_to_be_behind_tls(tmp_path):
    environment = documented_production_environment(tmp_path)
    del environment["FUWU_HTTPS"]

    completed = deploy_check(tmp_path, environment)

    assert completed.returncode != 0
    output = completed.stdout + completed.stderr
    assert "security.W004" in output  # no HSTS
    assert "security.W008" in output  # no redirect to HTTPS


def test_fuwu_https_switches_on_redirect_hsts_proxy_header_and_secure_cookies(tmp_path):
    code = """
    import json
    from django.conf import settings
    print(json.dumps({name: getattr(settings, name) for name in (
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")}))
    """
    behind_tls = json.loads(run_with_settings(code, tmp_path, FUWU_HTTPS="1"))
    plain = json.loads(run_with_settings(code, tmp_path))

    assert behind_tls == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    assert plain["SECURE_SSL_REDIRECT"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0
    assert plain["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_tls_plain_http_is_redirected_and_https_answers_carry_hsts(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = Client().get("/login/")
    over_tls = Client().get("/login/", headers={"X-Forwarded-Proto": "https"})

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/"
    assert over_tls.status_code == 200
    assert over_tls["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("path", ["/login/", "/service/status/", "/api/v1/docs"])
def test_pages_carry_a_content_security_policy_without_inline_code(cast, settings, path):
    settings.FUWU_DEFAULT_ORGANISATION = "测试物业公司"

    response = Client().get(path)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"\shx-on[:-]", re.I), "hx-on attribute (evaluated code)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_style_or_event_handlers():
    """The policy refuses them, so a page with one would silently lose that behaviour or look."""
    found = []
    for template in sorted(PACKAGE.glob("*/templates/**/*.html")):
        text = re.sub(r"{#.*?#}", "", template.read_text(), flags=re.S)  # template comments are not sent
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(PACKAGE)}:{line}: {what}")
    assert found == []
