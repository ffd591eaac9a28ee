"""Shared fixtures: the business numbers of ``tests/cloud_api.py``, signed webhook posting."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from conversations.directory import directory
from tests.cloud_api import SALES, SUPPORT
from tests.factories import ChannelFactory
from whatsapp.signature import sign

APP_SECRET = "test-app-secret"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the SQLite test database's WAL files (Django removes the database itself),
    and those a test process that died left beside it (they sit in RAM, in /dev/shm)."""
    from django.conf import settings

    name = Path(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
    if name.suffix != ".sqlite3":
        return
    for leftover in name.parent.glob("waproject-test-*.sqlite3*"):
        pid = leftover.name.removeprefix("waproject-test-").split(".", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not _process_exists(int(pid))):
            leftover.unlink(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that ran against a started stack (browser tests, e2e) reports the end
    of the servers' log: a CI failure then says what the server did, not only what the
    page showed."""
    report = yield
    log = getattr(getattr(item, "funcargs", {}).get("stack"), "log", None)
    if report.failed and report.when == "call" and callable(log):
        lines = str(log()).splitlines()[-SERVER_LOG_LINES_ON_FAILURE:]
        report.sections.append(("the stack's log (its end)", "\n".join(lines)))
    return report


SERVER_LOG_LINES_ON_FAILURE = 150


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """U4: a request in German activates German in its thread (LocaleMiddleware) and Django
    leaves it active; a later test in the same thread would read German texts."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_snapshots():
    """Each test sees the channels and options it created, not a previous test's."""
    from conversations import options
    from flows import selectors as flows
    from integrations import selectors as integrations

    directory.invalidate()
    options.invalidate()
    integrations.invalidate()
    flows.invalidate()
    yield
    directory.invalidate()
    options.invalidate()
    integrations.invalidate()
    flows.invalidate()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer object: channels_redis keeps receive state
    (a lock, buffers) bound to one event loop, and pytest-asyncio gives each test its own
    loop; a socket a test left open made the next test fail ("bound to a different loop")."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def channel(db):
    """The support line, where most payloads of ``tests/cloud_api.py`` arrive."""
    return ChannelFactory(
        phone_number_id=SUPPORT.phone_number_id,
        display_phone_number=SUPPORT.display_phone_number,
        app_secret=APP_SECRET,
    )


@pytest.fixture
def sales_channel(db):
    """The sales line (another account of the same app): ad replies, campaigns."""
    return ChannelFactory(
        phone_number_id=SALES.phone_number_id,
        display_phone_number=SALES.display_phone_number,
        app_secret=APP_SECRET,
    )


PostWebhook = Callable[..., Any]


@pytest.fixture
def post_webhook(client: Client) -> PostWebhook:
    """POST a payload (dict, str or bytes) to the webhook, signed like Meta signs it."""

    def post(payload: Any, *, secret: str = APP_SECRET, signature: str | None = None, **extra: Any):
        if isinstance(payload, (dict, list)):
            body = json.dumps(payload).encode()
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = payload
        headers = {}
        if signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        elif secret:
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, secret)
        # WSGI environ keys (HTTP_…) go to Client.post's **extra, which mypy matches
        # against its named parameters.
        return client.post("/webhooks/whatsapp/", body, content_type="application/json", **headers, **extra)  # type: ignore[arg-type]

    return post
