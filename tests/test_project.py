"""Project-wide promises: the pages a newcomer opens, the API schema, the beat schedule."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.core.management import call_command

from waproject.celery import app

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path,status",
    [("/", 302), ("/accounts/login/", 200), ("/healthz/", 200), ("/api/schema/", 200), ("/api/docs/", 200)],
)
def test_front_door_pages(client, path, status):
    assert client.get(path).status_code == status


def test_console_and_admin_need_a_login(client):
    assert client.get("/console/")["Location"].startswith("/accounts/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/interactions/{id}/messages/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.parametrize("name,entry", sorted(settings.CELERY_BEAT_SCHEDULE.items()))
def test_every_beat_entry_names_a_registered_task(name, entry):
    importlib.import_module(entry["task"].rsplit(".", 1)[0])
    assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task"
    assert entry["schedule"].run_every.total_seconds() <= 60  # timers are swept often


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("Demo ready.") == 2
    from conversations.models import Channel, Contact

    assert Channel.objects.count() == 1
    assert Contact.objects.count() == 2


async def test_an_oversized_request_is_refused_before_it_is_read():
    from waproject.asgi import application

    sent = []

    async def receive():  # pragma: no cover - must not be called
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/attachments/",
        "headers": [(b"host", b"127.0.0.1"), (b"content-length", b"200000000")],
        "query_string": b"",
    }
    await application(scope, receive, send)
    assert sent[0]["status"] == 413


def test_api_docs_need_no_internet(client):
    import re

    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
