"""Run the whole product as real processes, for browser, end-to-end tests and benchmarks.

Embedded default (no ``DATABASE_URL``): one uvicorn process on a fresh SQLite file with
the sandbox, in-process tasks and beat. Scaled (``DATABASE_URL`` and ``REDIS_URL`` set in
the environment): a fresh PostgreSQL database and Redis database, uvicorn, a Celery
worker and Celery beat — the way production runs.

    with running_stack() as stack:
        stack.url, stack.login("alice"), stack.customer_says(...)
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_PASSWORD = "demo-pass-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    workdir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    scaled: bool = False

    def manage(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if check and done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> Any:
        """Run Python in the stack's Django (its database); returns what the code prints as JSON."""
        out = self.manage("shell", "-c", code)
        lines = [line for line in out.strip().splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else None

    def client(self, username: str | None = None) -> httpx.Client:
        """An HTTP client, logged in as ``username`` when given (session + CSRF header)."""
        client = httpx.Client(base_url=self.url, timeout=20, follow_redirects=False)
        if username:
            page = client.get("/accounts/login/")
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            assert found, "no CSRF token on the sign-in page"
            token = found.group(1)
            response = client.post(
                "/accounts/login/",
                data={
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "csrfmiddlewaretoken": token,
                    "next": "/console/",
                },
                headers={"Referer": f"{self.url}/accounts/login/"},
            )
            assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
            client.headers["X-CSRFToken"] = client.cookies.get("csrftoken") or ""
            client.headers["Referer"] = f"{self.url}/console/"
        return client

    def customer_says(self, text: str, *, wa_id: str = "4915100000001", name: str = "Test Customer") -> dict:
        """A customer writes through the sandbox's phone API (a signed webhook to us)."""
        response = httpx.post(
            f"{self.url}/sandbox/phone/api/send",
            json={
                "phone_number_id": self.env["WHATSAPP_PHONE_NUMBER_ID"],
                "wa_id": wa_id,
                "profile_name": name,
                "type": "text",
                "text": text,
            },
            timeout=20,
        )
        response.raise_for_status()
        return response.json()

    def log(self) -> str:
        return "".join(p.read_text() for p in sorted(self.workdir.glob("*.log")))


def console_socket(stack: Stack, client: httpx.Client | None, **options: Any) -> connect:
    """The console's WebSocket on ``stack`` as ``client``'s signed-in user (its session
    cookie; ``None``: anonymous), from the stack's own origin, as a browser opens it:
    ``async with console_socket(stack, alice) as socket``. ``options`` go to
    ``websockets.connect`` (``ping_interval=None``, ``compression=None``…)."""
    headers = {"Origin": stack.url}
    if client is not None:
        headers["Cookie"] = f"sessionid={client.cookies['sessionid']}"
    url = stack.url.replace("http", "ws", 1) + "/ws/console/"
    return connect(url, additional_headers=headers, **options)


_collected_static: Path | None = None


def collected_static(env: dict[str, str]) -> Path:
    """``collectstatic``'s output (hashed, compressed: the scaled default), built once per
    test process and shared by its stacks."""
    global _collected_static
    if _collected_static is None:
        root = Path(tempfile.mkdtemp(prefix="wa-static-"))
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**env, "STATIC_ROOT": str(root)},
            check=True,
            capture_output=True,
        )
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _collected_static = root
    return _collected_static


def _wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz/", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def running_stack(
    *, options: dict[str, Any] | None = None, extra_env: dict[str, str] | None = None, web_workers: int = 1
) -> Iterator[Stack]:
    """Start the product (see the module docstring); ``options`` are stored as global option
    values; ``web_workers`` ASGI server processes share the port (scaled mode only)."""
    scaled = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="wa-stack-") as tmp:
        workdir = Path(tmp)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="waproject.settings",
            PYTHONPATH=str(ROOT),
            VAR_DIR=str(workdir),
            MEDIA_ROOT=str(workdir / "media"),
            PUBLIC_BASE_URL=url,
            WHATSAPP_GRAPH_BASE_URL=f"{url}/sandbox/graph",
            WHATSAPP_SANDBOX_ENABLED="1",
            WHATSAPP_PHONE_NUMBER_ID="100000000000001",
            DEMO_PASSWORD=DEMO_PASSWORD,
            LOG_LEVEL="INFO",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=url,
            # plain http on localhost: secure-only cookies would never come back
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
        )
        database = None
        if scaled:
            base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            database = f"wa_stack_{port}"
            subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
            # STACK_REDIS_DB: a Redis database of one's own (it is flushed) when several
            # people share the Redis server; else one of 8..13 by port.
            redis_db = os.environ.get("STACK_REDIS_DB") or str(8 + port % 6)
            env.update(
                DATABASE_URL=f"{base}/{database}",
                REDIS_URL=f"{os.environ['REDIS_URL'].rsplit('/', 1)[0]}/{redis_db}",
            )
            subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True, capture_output=True)
            env["STATIC_ROOT"] = str(collected_static(env))
        else:
            env["SQLITE_PATH"] = str(workdir / "db.sqlite3")
        env.update(extra_env or {})
        stack = Stack(url=url, env=env, workdir=workdir, scaled=scaled)
        try:
            stack.manage("migrate", "--noinput")
            stack.manage("seed_demo")
            if options:
                stack.shell(
                    "from conversations.models import OptionValue\n"
                    f"for k, v in {options!r}.items(): OptionValue.objects.update_or_create("
                    "key=k, agent=None, agent_group=None, defaults={'value': v})\nprint('null')"
                )
            server = _start(
                [
                    PYTHON,
                    "-m",
                    "waproject.serve",  # uvicorn with the slow-client deadlines
                    "waproject.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--lifespan",
                    "on",
                    "--no-access-log",
                    "--workers",
                    str(web_workers),
                ],
                env,
                workdir / "server.log",
            )
            stack.processes.append(server)
            if scaled:
                stack.processes.append(
                    _start(
                        [
                            PYTHON,
                            "-m",
                            "celery",
                            "-A",
                            "waproject",
                            "worker",
                            "--pool",
                            "threads",
                            "--concurrency",
                            "4",
                            "--loglevel",
                            "INFO",
                        ],
                        env,
                        workdir / "worker.log",
                    )
                )
                stack.processes.append(
                    _start(
                        [
                            PYTHON,
                            "-m",
                            "celery",
                            "-A",
                            "waproject",
                            "beat",
                            "--loglevel",
                            "INFO",
                            "--schedule",
                            str(workdir / "beat-schedule"),
                        ],
                        env,
                        workdir / "beat.log",
                    )
                )
                if env.get("WEBHOOK_JOURNAL") == "1" and env.get("WEBHOOK_JOURNAL_PROCESSING") == "drainer":
                    # As deploy/supervisord.conf runs it beside the web processes.
                    stack.processes.append(
                        _start(
                            [PYTHON, "manage.py", "drain_webhooks", "--nice", "10"],
                            env,
                            workdir / "drainer.log",
                        )
                    )
            _wait_until_serving(url, server)
            yield stack
        finally:
            for process in reversed(stack.processes):
                _stop(process)
            if database:
                base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
                subprocess.run(
                    ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                    check=False,
                )
