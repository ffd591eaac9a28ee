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
    python bench/ingest.py --journal          # and, in the same rounds, a server with the
                                              # webhook journal (200 after a group commit)
    python bench/ingest.py --journal --drainer --mode scaled
                                              # the journal's processing in a drainer process
                                              # (WEBHOOK_JOURNAL_PROCESSING=drainer) beside it
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
    stop_process_group,
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


def environment(mode: str, workdir: Path, *, journal: bool = False, drainer: bool = False) -> dict[str, str]:
    """A server's environment; with ``journal``, the webhook journal on and a database of
    its own (the server without it runs beside it in the same rounds); with ``drainer``,
    its processing left to a ``drain_webhooks`` process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LOG_LEVEL="WARNING", VAR_DIR=str(workdir), PYTHONPATH=str(ROOT))
    env["WEBHOOK_JOURNAL"] = "1" if journal else "0"
    env["WEBHOOK_JOURNAL_PROCESSING"] = "drainer" if drainer else "server"
    if mode == "embedded":
        env["SQLITE_PATH"] = str(workdir / ("journal.sqlite3" if journal else "bench.sqlite3"))
    else:
        env.update(DATABASE_URL=PG_URL + ("_journal" if journal else ""), REDIS_URL=REDIS_URL)
    return env


def database_name(env: dict[str, str]) -> str:
    return env["DATABASE_URL"].rsplit("/", 1)[1]


def drop_database(env: dict[str, str]) -> None:
    sql = f"DROP DATABASE IF EXISTS {database_name(env)}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=False)


def prepare_database(mode: str, env: dict[str, str]) -> None:
    if mode == "scaled":
        name = database_name(env)
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
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
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database_name(env), "-tAc", sql],
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


@contextlib.contextmanager
def drainer_process(env: dict[str, str]):
    """``manage.py drain_webhooks`` beside the journal's server, stopped (SIGTERM) after."""
    command = [PYTHON, "manage.py", "drain_webhooks", "--nice", os.environ.get("BENCH_DRAINER_NICE", "10")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        yield process
    finally:
        stop_process_group(process, timeout=30)  # it processes what it read first


def bench_mode(mode: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{mode}-") as tmp:
        env = environment(mode, Path(tmp))
        prepare_database(mode, env)
        sql = count_sql(env)
        drainer = args.drainer and mode == "scaled"
        journal_env = environment(mode, Path(tmp), journal=True, drainer=drainer) if args.journal else None
        if journal_env is not None:
            prepare_database(mode, journal_env)
        port, journal_port, peer_port = free_port(), free_port(), free_port()
        host, journal_host, peer_host = (f"127.0.0.1:{p}" for p in (port, journal_port, peer_port))

        def closed(
            port: int, factory, *, seconds: float = args.round_seconds, connections: int = args.connections
        ):
            return asyncio.run(
                closed_loop("127.0.0.1", port, factory, connections=connections, seconds=seconds)
            )

        def latency_at(port: int, host: str):
            factory = signed_webhook_request(host, "lat")
            return asyncio.run(
                open_loop("127.0.0.1", port, factory, rate=args.rate, seconds=args.latency_seconds)
            )

        with contextlib.ExitStack() as servers:
            servers.enter_context(asgi_server(env, port))
            if journal_env is not None:
                servers.enter_context(asgi_server(journal_env, journal_port))
                if drainer:
                    servers.enter_context(drainer_process(journal_env))
            if args.peer:
                servers.enter_context(
                    asgi_server(peer_environment(), peer_port, application=PEER_APP, python=peer_python())
                )
            for warm_port, warm_host in ((port, host), (journal_port, journal_host)):
                if warm_port == journal_port and journal_env is None:
                    continue
                warm = signed_webhook_request(warm_host, "warm")
                asyncio.run(open_loop("127.0.0.1", warm_port, warm, rate=100, seconds=CUSTOMERS / 100))
            if journal_env is not None:
                drained(mode, journal_env)
            closed(port, trivial_request(host), connections=4, seconds=1)
            if args.peer:
                closed(peer_port, signed_webhook_request(peer_host, "warm"), connections=4, seconds=1)

            ratios, trivial_rates, webhook_rates, peer_rates, peer_ratios = [], [], [], [], []
            journal_rates, journal_ratios, journal_peer_ratios = [], [], []
            behind: list[float] = []  # seconds the journal needed after a round to process it
            processed_rates: list[float] = []
            cpu_before, wall_before = cpu_seconds(), time.perf_counter()
            for round_no in range(args.rounds):
                trivial = closed(port, trivial_request(host))
                hook = closed(port, signed_webhook_request(host, f"r{round_no}"))
                if trivial.errors or hook.errors:
                    raise SystemExit(f"errors during round {round_no}: {trivial.statuses} {hook.statuses}")
                trivial_rates.append(trivial.rate)
                webhook_rates.append(hook.rate)
                ratios.append(hook.rate / trivial.rate)
                if (
                    journal_env is not None
                ):  # the same bodies and load; the next server waits for its processing
                    journaled = closed(journal_port, signed_webhook_request(journal_host, f"r{round_no}"))
                    if journaled.errors:
                        raise SystemExit(
                            f"the journal answered errors in round {round_no}: {journaled.statuses}"
                        )
                    behind.append(drained(mode, journal_env))
                    processed_rates.append(journaled.completed / (args.round_seconds + behind[-1]))
                    journal_rates.append(journaled.rate)
                    journal_ratios.append(journaled.rate / hook.rate)
                if args.peer:  # the same signed bodies, the same load, right after ours
                    theirs = closed(peer_port, signed_webhook_request(peer_host, f"r{round_no}"))
                    if theirs.errors:
                        raise SystemExit(f"the peer answered errors in round {round_no}: {theirs.statuses}")
                    peer_rates.append(theirs.rate)
                    peer_ratios.append(hook.rate / theirs.rate)
                    if journal_env is not None:
                        journal_peer_ratios.append(journal_rates[-1] / theirs.rate)
            generator_cpu = (cpu_seconds() - cpu_before) / (time.perf_counter() - wall_before)

            latency = latency_at(port, host)
            journal_latency = latency_at(journal_port, journal_host) if journal_env is not None else None
            if journal_env is not None:
                drained(mode, journal_env)
        result = {
            "mode": mode,
            "drainer": drainer,
            "webhooks_per_s": webhook_rates,
            "trivial_per_s": trivial_rates,
            "ratio": ratios,
            "peer_per_s": peer_rates,
            "peer_ratio": peer_ratios,
            "journal_per_s": journal_rates,
            "journal_ratio": journal_ratios,
            "journal_peer_ratio": journal_peer_ratios,
            "behind_s": behind,
            "processed_per_s": processed_rates,
            "sql_statements": sql["statements"],
            "sql": sql["sql"],
            "latency_rate": args.rate,
            "latency_sent": int(args.rate * args.latency_seconds),
            "latency": summary(latency),
            "journal_latency": summary(journal_latency) if journal_latency is not None else None,
            "generator_cpu": generator_cpu,
        }
        if mode == "scaled":
            drop_database(env)
            if journal_env is not None:
                drop_database(journal_env)
        return result


def summary(latency) -> dict:
    return {
        "ok": latency.completed,
        "errors": latency.errors,
        "p50_ms": latency.percentile(50) * 1000,
        "p90_ms": latency.percentile(90) * 1000,
        "p99_ms": latency.percentile(99) * 1000,
        "max_ms": max(latency.latencies) * 1000 if latency.latencies else float("nan"),
    }


def report(result: dict) -> None:
    print(
        f"\n== {result['mode']} ({'SQLite, in-memory layer' if result['mode'] == 'embedded' else 'PostgreSQL, Redis'})"
    )
    print(f"  trivial view        : {median_and_range(result['trivial_per_s'])} req/s")
    print(
        f"  webhook ingest      : {median_and_range(result['webhooks_per_s'])} webhooks/s (processed before the 200)"
    )
    print(f"  ratio webhook/view  : {median_and_range(result['ratio'])}   (target >= 0.70)")
    if result["journal_per_s"]:
        where = "a drainer process" if result["drainer"] else "the server"
        print(
            f"  with the journal    : {median_and_range(result['journal_per_s'])} webhooks/s (committed before the 200, "
            f"processed by {where})"
        )
        print(f"  ratio journal/ours  : {median_and_range(result['journal_ratio'])}")
        print(
            f"  journal, processed  : {median_and_range(result['processed_per_s'])} webhooks/s over each round and "
            f"its catching up, {median_and_range(result['behind_s'])} s after the round"
        )
    if result["peer_per_s"]:
        print(f"  peer (pywa+FastAPI) : {median_and_range(result['peer_per_s'])} webhooks/s (stores nothing)")
        print(f"  ratio ours/peer     : {median_and_range(result['peer_ratio'])}   (target >= 1.0, goal 1.5)")
        if result["journal_peer_ratio"]:
            print(
                f"  ratio journal/peer  : {median_and_range(result['journal_peer_ratio'])}   (target >= 1.0, goal 1.5)"
            )
    print(f"  SQL per webhook     : {result['sql_statements']}   (target <= 3)")
    for statement in result["sql"]:
        print(f"      {statement}")
    latencies = [("ack latency", result["latency"])]
    if result["journal_latency"]:
        latencies.append(("journal ack latency", result["journal_latency"]))
    for name, latency in latencies:
        print(
            f"  {name} @ {result['latency_rate']}/s: p50 {latency['p50_ms']:.1f} ms, p90 {latency['p90_ms']:.1f} ms, "
            f"p99 {latency['p99_ms']:.1f} ms, max {latency['max_ms']:.1f} ms   (target p99 <= 250 ms)"
        )
        print(f"      {latency['ok']}/{result['latency_sent']} acknowledged, {latency['errors']} errors")
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
        help="also serve with the webhook journal (WEBHOOK_JOURNAL=1: 200 after a group commit, "
        "processing behind; a database of its own) in the same rounds; the round goes on once "
        "its webhooks are processed",
    )
    parser.add_argument(
        "--drainer",
        action="store_true",
        help="with --journal, scaled mode: the journal's server only stores and acknowledges, a "
        "`manage.py drain_webhooks` process beside it processes (WEBHOOK_JOURNAL_PROCESSING=drainer)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.drainer and not args.journal:
        parser.error("--drainer needs --journal")
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
