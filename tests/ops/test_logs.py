"""X2: JSON log lines (LOG_FORMAT=json) carrying request, interaction, webhook and task ids."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from conversations.models import WebhookEvent
from conversations.services import webhooks as webhook_services
from conversations.tasks import webhook_event_process_task
from ops.logs import ContextFilter, JsonFormatter
from tests import cloud_api as wa

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """What the root logger writes, as JSON lines (the LOG_FORMAT=json handler)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.fixture
def explode(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(webhook_services, "inbound_messages_store", explode)


@pytest.mark.django_db
def test_a_failed_webhook_logs_its_request_and_event_ids(post_webhook, channel, explode, json_lines):
    assert post_webhook(wa.payload("inbound_text")).status_code == 200
    event = WebhookEvent.objects.get()
    [line] = [x for x in json_lines() if x["message"].startswith("webhook processing failed")]
    assert line["level"] == "ERROR" and line["logger"] == "conversations.services.webhooks"
    assert line["webhook_event_id"] == event.pk
    assert len(line["request_id"]) == 32
    assert "RuntimeError: database hiccup" in line["exception"]


@pytest.mark.django_db
def test_a_task_logs_its_name_id_and_the_ids_it_was_given(post_webhook, channel, explode, json_lines):
    post_webhook(wa.payload("inbound_text"))
    event = WebhookEvent.objects.get()
    webhook_event_process_task.apply(args=(event.pk,), task_id="task-123")
    [line] = [x for x in json_lines() if x["message"].startswith("replay of webhook event")]
    assert line["task"] == "webhook_event_process_task"
    assert line["task_id"] == "task-123"
    assert line["webhook_event_id"] == event.pk


@override_settings(ROOT_URLCONF="tests.ops.urls_logging")
def test_a_request_logs_its_request_id_and_interaction_id(client, json_lines):
    response = client.get("/api/v1/interactions/42/console/", HTTP_X_REQUEST_ID="lb-7f3a")
    assert response["X-Request-ID"] == "lb-7f3a"
    [line] = [x for x in json_lines() if x["message"] == "looking at the interaction"]
    assert line["request_id"] == "lb-7f3a" and line["interaction_id"] == 42
    assert line["client_ip"] == "127.0.0.1"


@override_settings(ROOT_URLCONF="tests.ops.urls_logging")
def test_an_odd_request_id_is_replaced(client):
    response = client.get("/api/v1/interactions/1/console/", HTTP_X_REQUEST_ID="not an id\n")
    assert len(response["X-Request-ID"]) == 32


def test_log_format_json_is_one_setting(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waproject.settings",
        "LOG_FORMAT": "json",
        "VAR_DIR": str(tmp_path),
    }
    code = "import django, logging; django.setup(); logging.getLogger('demo').warning('hello %s', 'world')"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["logger"] == "demo" and line["level"] == "WARNING"
