"""X1: the scaled mode as one command. ``make run-scaled`` starts two web processes, a
Celery worker and one beat on PostgreSQL and Redis; a signed webhook reaches an agent's
socket; Ctrl-C stops everything."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import time

import httpx
import pytest

from tests.e2e.test_whole_product import run_async
from tests.ops.scaled import run_scaled
from tests.ops.traffic import customer_text, signed
from tests.stack import console_socket, free_port

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def scaled_mode(workdir, extra_env=None):
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.skip("the scaled mode needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    database = f"wa_scaled_{free_port()}"  # run-scaled creates it
    redis_url = f"{os.environ['REDIS_URL'].rsplit('/', 1)[0]}/14"
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)
    try:
        with run_scaled(
            database_url=f"{base}/{database}", redis_url=redis_url, workdir=workdir, extra_env=extra_env
        ) as running:
            yield running
    finally:
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
            check=False,
        )


@pytest.fixture
def scaled(tmp_path):
    with scaled_mode(tmp_path) as running:
        yield running


async def offer_on_the_socket(scaled, agent, wamid: str) -> dict:
    """A customer writes (a signed webhook, as Meta sends it); the ready agent's socket gets the offer."""
    async with console_socket(scaled, agent) as socket:
        assert json.loads(await socket.recv())["type"] == "hello"
        body, headers = signed(customer_text(wa_id="4915400000001", wamid=wamid, body="Is anyone there?"))
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{scaled.url}/webhooks/whatsapp/", content=body, headers=headers)
        assert answer.status_code == 200
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 20))
            if frame["type"] == "offer.created":
                return frame


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True
    ).stdout.strip()[:1] not in ("Z", "")


def test_make_run_scaled_runs_the_whole_product_and_stops_cleanly(scaled):
    # the process layout: two web processes, one worker, one beat (leading)
    web = scaled.web_processes()
    assert len(web) == 2, scaled.supervisorctl("status")
    processes = [scaled.pid("web"), *web, scaled.pid("worker"), scaled.pid("beat")]
    deadline = time.monotonic() + 20
    while "beat: leading" not in scaled.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "beat: leading" in (scaled.workdir / "run-scaled.log").read_text()

    # a customer writes (a signed webhook, as Meta sends it); the ready agent's socket gets the offer
    alice = scaled.client("alice")
    alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()

    frame = run_async(offer_on_the_socket(scaled, alice, "wamid.RUNSCALED0001"))
    assert json.dumps(frame).count("Is anyone there?") >= 1

    # static files: hashed names (collectstatic ran), cached for good, compressed
    page = httpx.get(f"{scaled.url}/accounts/login/").text
    css = re.search(r'href="(/static/css/base\.[0-9a-f]{12}\.css)"', page).group(1)
    asset = httpx.get(f"{scaled.url}{css}", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-encoding"] == "gzip"

    # Ctrl-C: everything stops, nothing is left behind
    make = scaled.make
    os.killpg(make.pid, signal.SIGINT)
    make.wait(timeout=90)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in processes if alive(pid)], "processes outlived make run-scaled"
    log = (scaled.workdir / "run-scaled.log").read_text()
    for program in ("web", "worker", "beat"):  # each stopped by itself, none had to be killed
        assert f"stopped: {program} (exit status 0)" in log


def test_with_the_journal_s_drainer_the_web_stores_and_the_drainer_processes(tmp_path):
    drainer_env = {"WEBHOOK_JOURNAL": "1", "WEBHOOK_JOURNAL_PROCESSING": "drainer"}
    with scaled_mode(tmp_path, drainer_env) as scaled:
        scaled.wait_running("drainer")
        alice = scaled.client("alice")
        alice.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
        frame = run_async(offer_on_the_socket(scaled, alice, "wamid.RUNSCALEDDRAIN1"))
        assert json.dumps(frame).count("Is anyone there?") >= 1
        assert "webhook drainer: active" in scaled.log()
        drainer = scaled.pid("drainer")
        os.killpg(scaled.make.pid, signal.SIGINT)
        scaled.make.wait(timeout=90)
        assert "stopped: drainer (exit status 0)" in (scaled.workdir / "run-scaled.log").read_text()
        assert not alive(drainer)
