"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fuwu.org.models import ApiToken, User
from fuwu.testing.browser import browser_login, browser_page, chromium_browser  # noqa: F401
from fuwu.testing.cast import Cast, build_cast


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Every test starts with an empty cache: rate-limit and failure counts never leak between tests.
    So does the content-type cache: a transactional test with ``serialized_rollback`` empties the
    table at its end without the post-migrate signal that would refill it, and the next test would
    otherwise write timeline events pointing at content types that are gone."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    cache.clear()
    ContentType.objects.clear_cache()


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


@pytest.fixture
def concurrent_db(transactional_db: None) -> None:
    """Several connections writing at once: PostgreSQL, or SQLite in a file (not the in-memory database,
    whose shared cache answers "table is locked" instead of waiting)."""
    from django.db import connection
    from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

    if connection.vendor == "sqlite" and SQLiteCreation.is_in_memory_db(connection.settings_dict["NAME"]):
        pytest.skip("concurrent writers need a file database: unset SQLITE_TEST_PATH=:memory:")


class ApiClient:
    """Real HTTP requests through Django's test client with a bearer token and a language."""

    def __init__(self, user: User | None, language: str = "zh-hans") -> None:
        self.client = Client()
        self.headers: dict[str, str] = {"Accept-Language": language}
        if user is not None:
            _, key = ApiToken.issue(user, name="test")
            self.headers["Authorization"] = f"Bearer {key}"

    def _call(self, method: str, path: str, data: Any = None, **kwargs: Any) -> Any:
        url = path if path.startswith("/") else f"/api/v1/{path}"
        handler = getattr(self.client, method)
        if method in {"post", "put", "patch"}:
            return handler(
                url,
                data=data if data is not None else {},
                content_type="application/json",
                headers=self.headers,
                **kwargs,
            )
        return handler(url, data=data, headers=self.headers, **kwargs)

    def get(self, path: str, params: Any = None) -> Any:
        return self._call("get", path, params)

    def post(self, path: str, data: Any = None) -> Any:
        return self._call("post", path, data)

    def put(self, path: str, data: Any = None) -> Any:
        return self._call("put", path, data)

    def patch(self, path: str, data: Any = None) -> Any:
        return self._call("patch", path, data)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture
def api() -> Callable[..., ApiClient]:
    """``api(user)`` → a client that calls ``/api/v1/...`` as ``user`` (None: anonymous)."""
    return lambda user=None, language="zh-hans": ApiClient(user, language)


@pytest.fixture
def web(client: Client) -> Callable[[User], Client]:
    """``web(user)`` → the test client signed in as ``user``."""

    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in
