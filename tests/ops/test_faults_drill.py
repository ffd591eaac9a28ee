"""The faults drill: the scaled mode (``make run-scaled``) under traffic while its parts fail.

Signed webhooks flow (every third one delivered twice, as Meta does) and two agents send
replies, while the drill kills a web process, kills the Celery worker (and the webhook
journal's drainer, when it runs with one), restarts Redis and restarts PostgreSQL (a Redis and a PostgreSQL cluster of its own, on their own ports).
Afterwards, as Meta and a browser would, whatever was not acknowledged is sent again. Then:

- every webhook that was acknowledged (200) is stored exactly once, and so is every one
  resent after a refusal;
- webhooks that arrived while PostgreSQL was down got 503 (Meta retries those), none 500;
- every message an agent sent reached WhatsApp (the Meta stand-in below) exactly once.

Run it with ``make drill`` (about three minutes; ``.ci/run`` does). The figures it prints
are in docs/operations.md ("Faults drill").
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.ops.scaled import Scaled, run_scaled
from tests.ops.traffic import customer_text, message_status, signed
from tests.servers import OwnPostgres, OwnRedis, postgres_bin

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("RUN_DRILL") != "1", reason="the faults drill runs with `make drill`"),
]

CUSTOMERS = [f"49155{n:07d}" for n in range(1, 5)]
#: Meta's deliveries: this many senders at once, each this many a second.
WEBHOOK_SENDERS = 3
WEBHOOKS_PER_SECOND = 5
SENDS_PER_SECOND = 3
#: Longer than the connection pool's wait (DB_POOL_TIMEOUT, 10 s), so that requests fail.
POSTGRES_DOWN_SECONDS = 15


# --- Meta's side: the Graph API stand-in, which also posts the status webhooks ---------------


@dataclass
class Meta:
    """Accepts every send (a fresh wamid), counts them by the message they name, and posts
    a signed "sent" status for each to our webhook, retrying until it is acknowledged."""

    webhook_url: str = ""
    sends: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8))
    server: ThreadingHTTPServer | None = None
    counter: itertools.count = field(default_factory=itertools.count)

    @property
    def base_url(self) -> str:
        assert self.server is not None, "start() first"
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        meta = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = meta.handle(self.path, body)
                raw = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, path: str, body: bytes) -> dict:
        payload = json.loads(body or b"{}")
        if not path.endswith("/messages") or "type" not in payload:
            return {"success": True}  # mark as read, typing
        callback = payload.get("biz_opaque_callback_data", "")
        wamid = f"wamid.META{next(self.counter):06d}"
        with self.lock:
            self.sends[callback] += 1
        self.pool.submit(self.post_status, wamid, payload["to"], callback)
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": payload["to"]}],
            "messages": [{"id": wamid}],
        }

    def post_status(self, wamid: str, recipient: str, callback: str) -> None:
        body, headers = signed(
            message_status(wamid=wamid, state="sent", recipient=recipient, callback=callback)
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.post(self.webhook_url, content=body, headers=headers, timeout=10).status_code == 200:
                    return
            time.sleep(1)

    def stop(self) -> None:
        assert self.server is not None, "start() first"
        self.server.shutdown()
        self.pool.shutdown(wait=False, cancel_futures=True)


# --- the drill ---------------------------------------------------------------------------


@dataclass
class Record:
    #: (when it was answered, status code or the client's error), times from the drill's start
    answers: list[tuple[float, Any]] = field(default_factory=list)


@dataclass
class Drill:
    scaled: Scaled
    started: float = field(default_factory=time.monotonic)
    webhooks: dict[str, Record] = field(default_factory=lambda: defaultdict(Record))
    sends: dict[str, Record] = field(default_factory=lambda: defaultdict(Record))
    message_of: dict[str, int] = field(default_factory=dict)  # client_ref -> our message id
    latencies: list[float] = field(default_factory=list)
    probes: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds /healthz/ took)
    events: list[tuple[float, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> float:
        return time.monotonic() - self.started

    def event(self, what: str) -> None:
        self.events.append((self.now(), what))
        print(f"[drill {self.now():6.1f}s] {what}", flush=True)

    def post_webhook(self, client: httpx.Client, wamid: str, wa_id: str, n: int) -> None:
        body, headers = signed(customer_text(wa_id=wa_id, wamid=wamid, body=f"drill message {n}"))
        sent_at = time.monotonic()
        try:
            status: Any = client.post("/webhooks/whatsapp/", content=body, headers=headers).status_code
            if status == 200:
                self.latencies.append(time.monotonic() - sent_at)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.webhooks[wamid].answers.append((self.now(), status))

    def send(self, client: httpx.Client, interaction_id: int, ref: str) -> None:
        try:
            response = client.post(
                f"/api/v1/interactions/{interaction_id}/messages/",
                json={"type": "text", "body": f"reply {ref}", "client_ref": ref},
            )
            status: Any = response.status_code
            if status in (200, 201):
                self.message_of[ref] = response.json()["id"]
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.sends[ref].answers.append((self.now(), status))

    def webhook_traffic(self, sender: int) -> None:
        with httpx.Client(base_url=self.scaled.url, timeout=30) as client:
            for n in itertools.count(sender, WEBHOOK_SENDERS):
                if self.stop.is_set():
                    return
                wamid = f"wamid.DRILL{n:06d}"
                self.post_webhook(client, wamid, CUSTOMERS[n % len(CUSTOMERS)], n)
                if n % 3 == 0:  # Meta delivers some twice
                    self.post_webhook(client, wamid, CUSTOMERS[n % len(CUSTOMERS)], n)
                time.sleep(1 / WEBHOOKS_PER_SECOND)

    def liveness_probes(self) -> None:
        """A load balancer's liveness probe, twice a second."""
        with httpx.Client(base_url=self.scaled.url, timeout=30) as client:
            while not self.stop.is_set():
                sent_at = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    client.get("/healthz/")
                self.probes.append((self.now(), time.monotonic() - sent_at))
                time.sleep(0.5)

    def send_traffic(self, agents: list[tuple[httpx.Client, int]]) -> None:
        for n in itertools.count():
            if self.stop.is_set():
                return
            client, interaction_id = agents[n % len(agents)]
            self.send(client, interaction_id, f"drill-{n}")
            time.sleep(1 / SENDS_PER_SECOND)


@pytest.fixture(scope="module")
def services() -> Iterator[tuple[OwnPostgres, OwnRedis]]:
    if postgres_bin() is None:
        pytest.skip("the drill starts its own PostgreSQL: no server binaries in /usr/lib/postgresql")
    postgres, redis = OwnPostgres(), OwnRedis()
    postgres.init()
    postgres.start()
    redis.start()
    try:
        yield postgres, redis
    finally:
        redis.cleanup()
        postgres.cleanup()


def accept_offers(scaled: Scaled, agents: dict[str, httpx.Client]) -> list[tuple[httpx.Client, int]]:
    """Each customer's first message is offered to an agent, who accepts it."""
    for n, wa_id in enumerate(CUSTOMERS):
        body, headers = signed(customer_text(wa_id=wa_id, wamid=f"wamid.FIRST{n}", body="Hello"))
        assert (
            httpx.post(f"{scaled.url}/webhooks/whatsapp/", content=body, headers=headers).status_code == 200
        )
    accepted: list[tuple[httpx.Client, int]] = []
    deadline = time.monotonic() + 60
    while len(accepted) < len(CUSTOMERS) and time.monotonic() < deadline:
        for client in agents.values():
            for offer in client.get("/api/v1/agent/me/").json()["offers"]:
                response = client.post(f"/api/v1/offers/{offer['id']}/accept/")
                if response.status_code == 200:
                    accepted.append((client, response.json()["id"]))
        time.sleep(0.3)
    assert len(accepted) == len(CUSTOMERS), "not every first message was offered and accepted"
    return accepted


def resend_until_acknowledged(drill: Drill, seconds: float = 120) -> dict[str, int]:
    """What Meta and the console do after a failure: send again what got no 2xx."""
    resent = {"webhooks": 0, "sends": 0}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=drill.scaled.url, timeout=15) as client:
        for wamid, record in list(drill.webhooks.items()):
            while not any(status == 200 for _, status in record.answers) and time.monotonic() < deadline:
                resent["webhooks"] += 1
                n = int(wamid.removeprefix("wamid.DRILL"))
                drill.post_webhook(client, wamid, CUSTOMERS[n % len(CUSTOMERS)], n)
                if not any(status == 200 for _, status in record.answers):
                    time.sleep(0.5)
    return resent


def resend_sends(drill: Drill, agents: list[tuple[httpx.Client, int]], seconds: float = 120) -> int:
    resent = 0
    deadline = time.monotonic() + seconds
    for ref, record in list(drill.sends.items()):
        n = int(ref.removeprefix("drill-"))
        client, interaction_id = agents[n % len(agents)]
        while not any(status in (200, 201) for _, status in record.answers) and time.monotonic() < deadline:
            resent += 1
            drill.send(client, interaction_id, ref)
            if not any(status in (200, 201) for _, status in record.answers):
                time.sleep(0.5)
    return resent


def server_error_logs(scaled: Scaled, lines: int = 40) -> list[str]:
    """The servers' log around each request that ended in a 5xx other than 503 (Django's
    ``django.request`` logs those with their traceback), for the assertion's message."""
    log = (scaled.workdir / "run-scaled.log").read_text(errors="replace").splitlines()
    starts = [
        n for n, line in enumerate(log) if "django.request" in line and "Service Unavailable" not in line
    ]
    return [line for n in starts[:3] for line in log[n : n + lines]]


def stored_inbound(scaled: Scaled) -> dict[str, int]:
    return scaled.shell(
        "import json; from django.db.models import Count; from conversations.models import Message\n"
        "rows = Message.objects.filter(wamid__startswith='wamid.DRILL').values('wamid').annotate(n=Count('id'))\n"
        "print(json.dumps({r['wamid']: r['n'] for r in rows}))"
    )


def outbound_states(scaled: Scaled) -> dict[str, int]:
    return scaled.shell(
        "import json; from django.db.models import Count; from conversations.models import Message\n"
        "rows = Message.objects.filter(direction='outbound').values('status').annotate(n=Count('id'))\n"
        "print(json.dumps({r['status']: r['n'] for r in rows}))"
    )


def test_faults_drill(services, tmp_path):
    postgres, redis = services
    meta = Meta()
    meta.start()
    try:
        with run_scaled(
            database_url=postgres.create_database("drill"),
            redis_url=redis.url,
            workdir=tmp_path,
            extra_env={
                "WHATSAPP_SANDBOX_ENABLED": "0",
                "WHATSAPP_GRAPH_BASE_URL": meta.base_url,
                "WORKER_CONCURRENCY": "4",
                "BEAT_LEADER_TTL": "5",
            },
        ) as scaled:
            meta.webhook_url = f"{scaled.url}/webhooks/whatsapp/"
            run_the_drill(scaled, postgres, redis, meta)
    finally:
        meta.stop()


def drainer_runs() -> bool:
    """Whether the drill runs with the webhook journal's drainer (``WEBHOOK_JOURNAL=1
    WEBHOOK_JOURNAL_PROCESSING=drainer make drill``): then it is killed too."""
    return (
        os.environ.get("WEBHOOK_JOURNAL") == "1" and os.environ.get("WEBHOOK_JOURNAL_PROCESSING") == "drainer"
    )


def run_the_drill(scaled: Scaled, postgres: OwnPostgres, redis: OwnRedis, meta: Meta) -> None:
    agents = {name: scaled.client(name) for name in ("alice", "bob")}
    for client in agents.values():
        client.timeout = httpx.Timeout(15)
        client.post("/api/v1/agent/me/state/", json={"ready": True}).raise_for_status()
    conversations = accept_offers(scaled, agents)

    drill = Drill(scaled)
    traffic = [
        *(
            threading.Thread(target=drill.webhook_traffic, args=(n,), daemon=True)
            for n in range(WEBHOOK_SENDERS)
        ),
        threading.Thread(target=drill.send_traffic, args=(conversations,), daemon=True),
        threading.Thread(target=drill.liveness_probes, daemon=True),
    ]
    for thread in traffic:
        thread.start()
    outage: dict[str, float] = {}
    try:
        time.sleep(5)
        victim = scaled.web_processes()[0]
        drill.event(f"kill -9 web process {victim}")
        os.kill(victim, signal.SIGKILL)
        time.sleep(7)
        worker = scaled.pid("worker")
        drill.event(f"kill -9 Celery worker {worker}")
        os.kill(worker, signal.SIGKILL)
        if drainer_runs():
            time.sleep(3)
            drainer = scaled.pid("drainer")
            drill.event(f"kill -9 the journal's drainer {drainer}")
            os.kill(drainer, signal.SIGKILL)
            time.sleep(5)
        else:
            time.sleep(8)
        drill.event("Redis stops")
        redis.stop()
        time.sleep(3)
        redis.start()
        drill.event("Redis is back")
        time.sleep(8)
        drill.event("PostgreSQL stops")
        postgres.stop()
        outage["from"] = drill.now()
        time.sleep(POSTGRES_DOWN_SECONDS)
        outage["to"] = drill.now()
        postgres.start()
        drill.event("PostgreSQL is back")
        time.sleep(10)
    finally:
        drill.stop.set()
        for thread in traffic:
            thread.join(timeout=30)
    drill.event("traffic stops; resending what was not acknowledged")
    first_answers = Counter(str(record.answers[0][1]) for record in drill.webhooks.values())
    during_outage = Counter(
        str(status)
        for record in drill.webhooks.values()
        for at, status in record.answers
        if outage["from"] + 0.5 <= at <= outage["to"]
    )
    send_first_answers = Counter(str(record.answers[0][1]) for record in drill.sends.values())
    resent = resend_until_acknowledged(drill)
    resent["sends"] = resend_sends(drill, conversations)

    # quiet again: every acknowledged send reaches WhatsApp (a crashed worker's claim is
    # taken back after a minute)
    acknowledged = {ref: drill.message_of[ref] for ref in drill.sends if ref in drill.message_of}
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        missing = [ref for ref, pk in acknowledged.items() if meta.sends[f"wa-msg:{pk}"] == 0]
        states = outbound_states(scaled)
        if not missing and not states.get("queued") and not states.get("sending"):
            break
        time.sleep(2)
    drill.event("quiet")

    stored = stored_inbound(scaled)
    webhook_wamids = set(drill.webhooks)
    figures = {
        "webhooks (distinct)": len(webhook_wamids),
        "webhook deliveries (with duplicates and resends)": sum(
            len(r.answers) for r in drill.webhooks.values()
        ),
        "first answers": dict(first_answers),
        "answers while PostgreSQL was down": dict(during_outage),
        "webhooks resent after the drill": resent["webhooks"],
        "ack latency p50 / p99 / max (ms)": [
            round(statistics.median(drill.latencies) * 1000),
            round(statistics.quantiles(drill.latencies, n=100)[98] * 1000),
            round(max(drill.latencies) * 1000),
        ],
        "slowest liveness probe (ms)": round(max(took for _, took in drill.probes) * 1000),
        "stored (distinct wamids)": len(stored),
        "stored more than once": sum(1 for n in stored.values() if n > 1),
        "agent sends (distinct)": len(drill.sends),
        "sends' first answers": dict(send_first_answers),
        "sends retried by the client": resent["sends"],
        "sends at WhatsApp": sum(meta.sends[f"wa-msg:{pk}"] for pk in acknowledged.values()),
        "sent more than once": sum(1 for pk in acknowledged.values() if meta.sends[f"wa-msg:{pk}"] > 1),
        "outbound states": outbound_states(scaled),
        "timeline": [f"{at:.1f}s {what}" for at, what in drill.events],
    }
    print("\nFAULTS DRILL FIGURES\n" + json.dumps(figures, indent=2), flush=True)
    (scaled.workdir.parent / "drill-figures.json").write_text(json.dumps(figures, indent=2))

    # every webhook ends up acknowledged and stored exactly once
    assert all(any(status == 200 for _, status in r.answers) for r in drill.webhooks.values())
    assert set(stored) == webhook_wamids, f"missing: {sorted(webhook_wamids - set(stored))[:10]}"
    assert figures["stored more than once"] == 0
    # during the database outage: 503 (Meta retries), never a 500 or a lost 200
    assert during_outage and set(during_outage) == {"503"}, during_outage
    server_errors = [
        f"{at:.1f}s {what} {key}: {status}"
        for what, records in (("webhook", drill.webhooks), ("send", drill.sends))
        for key, record in records.items()
        for at, status in record.answers
        if str(status).startswith("5") and status != 503
    ]
    assert not server_errors, "\n".join([*server_errors, *server_error_logs(scaled)])
    assert max(took for _, took in drill.probes) < 2, "the liveness probe stalled"
    # every send acknowledged to the agent went out exactly once
    assert len(acknowledged) == len(drill.sends)
    assert all(meta.sends[f"wa-msg:{pk}"] == 1 for pk in acknowledged.values()), {
        ref: meta.sends[f"wa-msg:{pk}"] for ref, pk in acknowledged.items() if meta.sends[f"wa-msg:{pk}"] != 1
    }
