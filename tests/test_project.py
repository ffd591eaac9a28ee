"""Project-wide promises: the pages a newcomer opens, the API schema, the beat schedule."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from conversations import jobs as conversation_jobs
from flows import jobs as flow_jobs
from integrations import jobs as integration_jobs
from sandbox import jobs as sandbox_jobs
from waproject.celery import app
from waproject.embedded import task_named

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


def test_every_json_answer_of_the_api_is_documented_with_its_shape(client):
    """The schema states each answer's body from the payload shapes (conversations.payloads):
    every JSON success of /api/v1/ is a named component or an object with its properties
    (or an array of them), and each entity is one component, the same wherever it appears."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    undocumented = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                body = response.get("content", {}).get("application/json", {}).get("schema")
                if not code.startswith("2") or body is None:
                    continue
                shown = body.get("items", {}) if body.get("type") == "array" else body
                if "$ref" not in shown and "properties" not in shown:
                    undocumented.append(f"{method.upper()} {path} {code}")
    assert undocumented == []
    entities = {"Contact", "Message", "Attachment", "InteractionSummary", "InteractionDetail", "Agent"}
    assert entities | {"Offer", "Template", "StandardResponse", "Workbin", "WorkbinItem"} <= set(components)
    assert components["Contact"]["properties"]["wa_id"] == {"type": ["string", "null"]}
    assert "history_visible" not in components["Contact"]["required"]  # only in the directory's lists
    summary = components["InteractionSummary"]["properties"]
    assert summary["contact"] == {"$ref": "#/components/schemas/Contact"}
    listed = schema["paths"]["/api/v1/interactions/"]["get"]["responses"]["200"]["content"]
    assert listed["application/json"]["schema"]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/InteractionSummary"
    }


@pytest.mark.parametrize("name,entry", sorted(settings.CELERY_BEAT_SCHEDULE.items()))
def test_every_beat_entry_names_a_registered_task(name, entry):
    importlib.import_module(entry["task"].rsplit(".", 1)[0])
    assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task"
    assert entry["schedule"].run_every.total_seconds() <= 60  # timers are swept often


@pytest.mark.parametrize(
    "name", [*conversation_jobs.ALL, *sandbox_jobs.ALL, *integration_jobs.ALL, *flow_jobs.ALL]
)
def test_every_job_services_enqueue_names_a_registered_task(name):
    """Services enqueue tasks by name (they do not import the tasks modules, which import
    them): each name resolves to the task, as a worker would find it."""
    task = task_named(name)
    assert task.name == name and name in app.tasks


def test_seed_demo_is_idempotent(capsys):
    from conversations.models import Channel, Contact, Message
    from reports.models import Tally

    call_command("seed_demo")
    seeded = (Contact.objects.count(), Message.objects.count(), Tally.objects.count())
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("Demo ready.") == 2
    assert Channel.objects.count() == 1
    assert Contact.objects.filter(wa_id__in=["4915112345678", "34611223344"]).count() == 2
    assert (Contact.objects.count(), Message.objects.count(), Tally.objects.count()) == seeded


def test_seed_demo_creates_the_people_queues_and_content_it_promises(capsys, settings, tmp_path, monkeypatch):
    from django.contrib.auth import get_user_model

    from conversations.models import AgentProfile, Channel, Queue, Skill
    from templates_app.models import MessageTemplate, StandardResponse

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)  # random passwords: they must be printed
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    out = capsys.readouterr().out

    # two agents and a supervisor, each with a printed password that logs in
    User = get_user_model()
    agents = set(AgentProfile.objects.values_list("user__username", flat=True))
    assert agents == {"alice", "bob"}
    supervisor = User.objects.get(username="supervisor")
    assert supervisor.is_staff and supervisor.is_superuser
    assert not AgentProfile.objects.filter(user=supervisor).exists()
    printed = dict(re.findall(r"^\s+[a-z ]+?\s+(\w+)\s+password: (\S+)$", out, re.MULTILINE))
    for username in ("alice", "bob", "supervisor"):
        assert username in printed, f"no password printed for {username}"
        assert User.objects.get(username=username).check_password(printed[username])

    # two queues, each served by an agent; new chats land in General
    queues = {q.name: set(q.agents.values_list("user__username", flat=True)) for q in Queue.objects.all()}
    assert queues == {"General": {"alice", "bob"}, "Billing": {"alice"}}
    assert Channel.objects.get().default_queue.name == "General"

    # transfers to a queue, a group or a skill work out of the box (R4)
    from conversations.options import get_option

    assert get_option("intercommunication.whatsappsession.queue") == "General"
    skills = {s.name: set(s.agents.values_list("user__username", flat=True)) for s in Skill.objects.all()}
    assert skills == {"Refunds": {"alice", "bob"}, "Spanish": {"bob"}}

    # standard responses and approved templates, one of them the default notification
    assert set(StandardResponse.objects.values_list("shortcut", flat=True)) >= {"hello", "bye", "tracking"}
    templates = MessageTemplate.objects.filter(status=MessageTemplate.Status.APPROVED)
    assert set(templates.values_list("name", flat=True)) >= {
        "thanks_for_patience",
        "order_update",
        "satisfaction",
    }
    assert templates.filter(is_default_notification=True).count() == 1


ROOT = Path(__file__).resolve().parents[1]


def settings_in_a_fresh_process(**env: str) -> dict[str, str]:
    """The URLs settings.py computes from ``env`` (the sandbox on, as in ``make run``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "PUBLIC_BASE_URL"))}
    clean.update(WHATSAPP_SANDBOX_ENABLED="1", DJANGO_SETTINGS_MODULE="waproject.settings", **env)
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({k: getattr(settings, k) for k in ('PUBLIC_BASE_URL', 'WHATSAPP_GRAPH_BASE_URL')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_the_sandbox_graph_api_follows_the_public_base_url():
    assert settings_in_a_fresh_process(PUBLIC_BASE_URL="http://127.0.0.1:9000/") == {
        "PUBLIC_BASE_URL": "http://127.0.0.1:9000/",
        "WHATSAPP_GRAPH_BASE_URL": "http://127.0.0.1:9000/sandbox/graph",
    }
    # an explicit Graph URL still wins
    explicit = settings_in_a_fresh_process(
        PUBLIC_BASE_URL="http://127.0.0.1:9000", WHATSAPP_GRAPH_BASE_URL="http://graph.test"
    )
    assert explicit["WHATSAPP_GRAPH_BASE_URL"] == "http://graph.test"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_on_another_port_points_the_product_at_itself():
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    commands = subprocess.run(
        ["make", "--dry-run", "run", "PORT=9000"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    server = next(line for line in commands if "waproject.serve" in line)
    assert "--port 9000" in server
    assert server.startswith("PUBLIC_BASE_URL=http://127.0.0.1:9000 ")
    seed = next(line for line in commands if "seed_demo" in line)
    assert seed.startswith("PUBLIC_BASE_URL=http://127.0.0.1:9000 ")


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


async def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(settings):
    """No Content-Length: the bytes are counted as they come; Django never gets them all."""
    from waproject.asgi import application

    settings.MAX_REQUEST_BYTES = 1000
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(100)]
    taken, sent = [], []

    async def receive():
        taken.append(1)
        return chunks[len(taken) - 1]

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/accounts/login/",
        "headers": [(b"host", b"127.0.0.1"), (b"transfer-encoding", b"chunked")],
        "query_string": b"",
    }
    await application(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert len(taken) == 3  # 1 200 bytes read, then the client was treated as gone


def test_api_docs_need_no_internet(client):
    import re

    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    # static files, and the page's start-up script from the docs view itself (?script=)
    assert assets and all(a.startswith("/static/") or a == "/api/docs/?script=" for a in assets)


def test_deploy_check_warns_about_the_public_demo_key_when_scaled(settings):
    from conversations.checks import DEMO_SECRET_KEY, demo_secret_key_check

    settings.SECRET_KEY, settings.EMBEDDED = DEMO_SECRET_KEY, False
    assert [w.id for w in demo_secret_key_check(None)] == ["conversations.W001"]
    settings.EMBEDDED = True  # the demo on a laptop: fine
    assert demo_secret_key_check(None) == []
    settings.SECRET_KEY, settings.EMBEDDED = "a-real-secret", False
    assert demo_secret_key_check(None) == []


@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),  # the console's own page
        ("https://console.example.com", "console.example.com", True),  # behind TLS termination
        ("http://127.0.0.1:31337", "127.0.0.1:8000", False),  # another local port
        ("http://evil.example", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
        ("", "127.0.0.1:8000", False),
    ],
)
async def test_a_console_socket_is_accepted_only_from_the_pages_own_origin(settings, origin, host, accepted):
    from channels.testing import WebsocketCommunicator

    from waproject.asgi import SameOriginWebsocket

    settings.CSRF_TRUSTED_ORIGINS = []

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})

    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    communicator = WebsocketCommunicator(SameOriginWebsocket(app), "/ws/console/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected is accepted
    await communicator.disconnect()


def test_collectstatic_builds_the_scaled_modes_hashed_files(tmp_path):
    """The scaled default serves collectstatic's hashed output, whose post-processing reads
    every ``import("…")`` in the scripts, JSDoc comments included: a type import of a file
    that exists only as ``.d.ts`` failed it, and only the PostgreSQL run's browser stacks
    build it. Checked here in every run."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="waproject.settings", STATIC_FILES="manifest", STATIC_ROOT=str(tmp_path)
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "staticfiles.json").exists()
