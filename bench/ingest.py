"""B1: webhook ingest throughput, SQL statements per webhook, acknowledgement latency.

For each way to run (embedded: SQLite + in-memory layer; scaled: PostgreSQL + Redis) it
starts one ASGI server process (uvicorn, one worker) and, in the same run:

1. throughput in interleaved rounds (trivial view, webhook, peer, trivial, webhook, peer,
   …) with the same closed-loop load; prints webhooks/s, the ratio to the trivial Django
   view (``/healthz/``, same middleware, same process) and the ratio to the peer, median
   and range over the rounds. The peer (issue 14, target 1) is what a Python developer
   would pick instead: pywa on FastAPI (``bench/peer/``, its own virtualenv made on first
   use from pinned requirements, one uvicorn worker), checking the signature and parsing
   the same signed bodies but storing nothing;
2. SQL statements per single-message webhook, counted in-process with Django's
   CaptureQueriesContext on the same database (transaction control not counted);
3. open-loop acknowledgement latency at a fixed rate (default 240 webhooks/s = 3 × the
   Cloud API's default 80 messages/s), p50 / p90 / p99 / max from the scheduled send time.

Webhooks are single inbound text messages from 200 returning customers (their
interaction exists: the steady state), each with a unique wamid, signed like Meta signs.

    python bench/ingest.py                    # both modes
    python bench/ingest.py --mode embedded    # or --mode scaled
Targets (issue "Foundation"): ratio ≥ 0.7, ≤ 3 SQL statements, p99 ≤ 250 ms at 240/s;
(issue 14) ours/peer ≥ 1.0, goal 1.5, every webhook durable before its 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import signed_webhook_post
from bench.loadgen import (
    PYTHON,
    ROOT,
    asgi_server,
    closed_loop,
    cpu_seconds,
    free_port,
    http_request,
    median_and_range,
    open_loop,
    run_manage,
)

PHONE_NUMBER_ID = "100000000000777"
APP_SECRET = "bench-app-secret"
CUSTOMERS = 200
PEER_APP = "bench.peer.pywa_app:app"
PG_URL = "postgres://postgres@127.0.0.1:5432/wa_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"


def webhook_body(index: int, run: str) -> bytes:
    wa_id = f"49170{index % CUSTOMERS:07d}"
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "200000000000777",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550009999",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            # The 2026 shape: a business-scoped user id beside the phone
                            # number (the peer, pywa 4.5, requires it).
                            "contacts": [
                                {
                                    "profile": {"name": f"Customer {index % CUSTOMERS}"},
                                    "wa_id": wa_id,
                                    "user_id": f"US.{wa_id}",
                                }
                            ],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "from_user_id": f"US.{wa_id}",
                                    "id": f"wamid.bench-{run}-{index}",
                                    "timestamp": str(1_760_000_000 + index),
                                    "type": "text",
                                    "text": {"body": f"Hello, this is message {index} of the benchmark."},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_webhook_request(host: str, run: str):
    def factory(index: int) -> bytes:
        return signed_webhook_post(webhook_body(index, run), app_secret=APP_SECRET, host=host)

    return factory


def trivial_request(host: str):
    raw = http_request("GET", "/healthz/", host=host)
    return lambda index: raw


PEER_DIR = ROOT / "bench" / "peer"
PEER_VENV = ROOT / "bench" / ".peer-venv"


def peer_python() -> str:
    """The peer's interpreter: its own virtualenv from ``bench/peer/requirements.txt``,
    made (or remade when the pins change) on first use."""
    requirements = PEER_DIR / "requirements.txt"
    stamp = PEER_VENV / ".requirements"
    python = PEER_VENV / "bin" / "python"
    wanted = requirements.read_text()
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print(f"making the peer's virtualenv in {PEER_VENV} (pywa, FastAPI, uvicorn) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True)
        stamp.write_text(wanted)
    return str(python)


def peer_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PYTHONPATH=str(ROOT), PEER_PHONE_NUMBER_ID=PHONE_NUMBER_ID, PEER_APP_SECRET=APP_SECRET)
    return env


def environment(mode: str, workdir: Path, *, journal: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LOG_LEVEL="WARNING", VAR_DIR=str(workdir), PYTHONPATH=str(ROOT))
    env["WEBHOOK_JOURNAL"] = "1" if journal else "0"
    if mode == "embedded":
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        env.update(DATABASE_URL=PG_URL, REDIS_URL=REDIS_URL)
    return env


def prepare_database(mode: str, env: dict[str, str]) -> None:
    if mode == "scaled":
        for sql in ("DROP DATABASE IF EXISTS wa_bench", "CREATE DATABASE wa_bench"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
    run_manage(env, "migrate", "--noinput")
    run_manage(
        env,
        "shell",
        "-c",
        "from conversations.models import Channel; Channel.objects.get_or_create("
        f"phone_number_id='{PHONE_NUMBER_ID}', defaults=dict(name='bench', display_phone_number='15550009999', "
        f"access_token='x', app_secret='{APP_SECRET}', verify_token='v'))",
    )


COUNT_SQL = """
import json, hmac, hashlib
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from bench.ingest import webhook_body, APP_SECRET
client = Client()
def post(index):
    body = webhook_body(index, "sqlcount")
    sig = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/whatsapp/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sig)
post(1)  # the customer's interaction exists afterwards (steady state)
with CaptureQueriesContext(connection) as queries:
    assert post(1 + 200).status_code == 200  # same customer, new message
control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
sql = [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(control)]
print(json.dumps({"statements": len(sql), "sql": [s[:90] for s in sql]}))
"""


def count_sql(env: dict[str, str]) -> dict:
    out = run_manage({**env, "WEBHOOK_INGEST_THREADS": "0"}, "shell", "-c", COUNT_SQL)
    return json.loads(out.strip().splitlines()[-1])


def unprocessed(mode: str, env: dict[str, str]) -> int:
    """Journaled webhook events not processed yet (read straight from the database)."""
    sql = "SELECT count(*) FROM conversations_webhookevent WHERE state = 'received'"
    if mode == "embedded":
        with sqlite3.connect(env["SQLITE_PATH"], timeout=30) as connection:
            return int(connection.execute(sql).fetchone()[0])
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "wa_bench", "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


def drained(mode: str, env: dict[str, str], *, limit: float = 300.0) -> float:
    """Wait until the journal has processed everything; returns the seconds it took."""
    started = time.perf_counter()
    while unprocessed(mode, env) and time.perf_counter() - started < limit:
        time.sleep(0.05)
    return time.perf_counter() - started


def bench_mode(mode: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{mode}-") as tmp:
        env = environment(mode, Path(tmp), journal=args.journal)
        prepare_database(mode, env)
        sql = count_sql(env)
        port = free_port()
        host = f"127.0.0.1:{port}"
        peer_port = free_port()
        peer = (
            asgi_server(peer_environment(), peer_port, application=PEER_APP, python=peer_python())
            if args.peer
            else contextlib.nullcontext()
        )
        with asgi_server(env, port), peer:
            warm = signed_webhook_request(host, "warm")
            asyncio.run(open_loop("127.0.0.1", port, warm, rate=100, seconds=CUSTOMERS / 100))
            asyncio.run(closed_loop("127.0.0.1", port, trivial_request(host), connections=4, seconds=1))
            peer_host = f"127.0.0.1:{peer_port}"
            if args.peer:
                asyncio.run(
                    closed_loop(
                        "127.0.0.1",
                        peer_port,
                        signed_webhook_request(peer_host, "warm"),
                        connections=4,
                        seconds=1,
                    )
                )

            if args.journal:
                drained(mode, env)
            ratios, trivial_rates, webhook_rates, peer_rates, peer_ratios = [], [], [], [], []
            behind: list[float] = []  # with the journal: seconds to process a round's webhooks after it
            processed_rates: list[float] = []
            cpu_before, wall_before = cpu_seconds(), time.perf_counter()
            for round_no in range(args.rounds):
                trivial = asyncio.run(
                    closed_loop(
                        "127.0.0.1",
                        port,
                        trivial_request(host),
                        connections=args.connections,
                        seconds=args.round_seconds,
                    )
                )
                hook = asyncio.run(
                    closed_loop(
                        "127.0.0.1",
                        port,
                        signed_webhook_request(host, f"r{round_no}"),
                        connections=args.connections,
                        seconds=args.round_seconds,
                    )
                )
                if trivial.errors or hook.errors:
                    raise SystemExit(f"errors during round {round_no}: {trivial.statuses} {hook.statuses}")
                if args.journal:  # the next round starts once this one's webhooks are processed
                    behind.append(drained(mode, env))
                    processed_rates.append(hook.completed / (args.round_seconds + behind[-1]))
                trivial_rates.append(trivial.rate)
                webhook_rates.append(hook.rate)
                ratios.append(hook.rate / trivial.rate)
                if args.peer:  # the same signed bodies, the same load, right after ours
                    theirs = asyncio.run(
                        closed_loop(
                            "127.0.0.1",
                            peer_port,
                            signed_webhook_request(peer_host, f"r{round_no}"),
                            connections=args.connections,
                            seconds=args.round_seconds,
                        )
                    )
                    if theirs.errors:
                        raise SystemExit(f"the peer answered errors in round {round_no}: {theirs.statuses}")
                    peer_rates.append(theirs.rate)
                    peer_ratios.append(hook.rate / theirs.rate)
            generator_cpu = (cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)

            latency = asyncio.run(
                open_loop(
                    "127.0.0.1",
                    port,
                    signed_webhook_request(host, "lat"),
                    rate=args.rate,
                    seconds=args.latency_seconds,
                )
            )
        result = {
            "mode": mode,
            "webhooks_per_s": webhook_rates,
            "trivial_per_s": trivial_rates,
            "ratio": ratios,
            "peer_per_s": peer_rates,
            "peer_ratio": peer_ratios,
            "journal": args.journal,
            "behind_s": behind,
            "processed_per_s": processed_rates,
            "sql_statements": sql["statements"],
            "sql": sql["sql"],
            "latency_rate": args.rate,
            "latency_sent": int(args.rate * args.latency_seconds),
            "latency_ok": latency.completed,
            "latency_errors": latency.errors,
            "p50_ms": latency.percentile(50) * 1000,
            "p90_ms": latency.percentile(90) * 1000,
            "p99_ms": latency.percentile(99) * 1000,
            "max_ms": max(latency.latencies) * 1000 if latency.latencies else float("nan"),
            "generator_cpu": generator_cpu,
        }
        if mode == "scaled":
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS wa_bench"],
                check=False,
            )
        return result


def report(result: dict) -> None:
    print(
        f"\n== {result['mode']} ({'SQLite, in-memory layer' if result['mode'] == 'embedded' else 'PostgreSQL, Redis'})"
    )
    print(f"  trivial view        : {median_and_range(result['trivial_per_s'])} req/s")
    print(f"  webhook ingest      : {median_and_range(result['webhooks_per_s'])} webhooks/s")
    print(f"  ratio webhook/view  : {median_and_range(result['ratio'])}   (target >= 0.70)")
    if result["peer_per_s"]:
        print(f"  peer (pywa+FastAPI) : {median_and_range(result['peer_per_s'])} webhooks/s (stores nothing)")
        print(f"  ratio ours/peer     : {median_and_range(result['peer_ratio'])}   (target >= 1.0, goal 1.5)")
    if result["journal"]:
        print(
            f"  journal: processed  : {median_and_range(result['processed_per_s'])} webhooks/s, the last "
            f"{median_and_range(result['behind_s'])} s after each round"
        )
    print(f"  SQL per webhook     : {result['sql_statements']}   (target <= 3)")
    for statement in result["sql"]:
        print(f"      {statement}")
    print(
        f"  ack latency @ {result['latency_rate']}/s: p50 {result['p50_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms   (target p99 <= 250 ms)"
    )
    print(
        f"      {result['latency_ok']}/{result['latency_sent']} acknowledged, {result['latency_errors']} errors"
    )
    print(f"  load generator CPU  : {result['generator_cpu'] * 100:.0f}% of one core")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["embedded", "scaled", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=240.0)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-peer",
        dest="peer",
        action="store_false",
        help="skip the peer (pywa on FastAPI in bench/.peer-venv, made on first use)",
    )
    parser.add_argument(
        "--journal",
        action="store_true",
        help="serve with the webhook journal (WEBHOOK_JOURNAL=1): 200 after a group commit, "
        "processing behind; each round waits until the previous one's webhooks are processed",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    modes = ["embedded", "scaled"] if args.mode == "both" else [args.mode]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {PYTHON}")
    results = []
    for mode in modes:
        result = bench_mode(mode, args)
        report(result)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
