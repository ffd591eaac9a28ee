"""X1: exactly one beat. A second ``celery beat`` started by mistake stands by; when the
leader dies the other takes over within the lock's time to live."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.servers import OwnRedis
from tests.stack import PYTHON, ROOT, _start, _stop
from waproject.beat import LeaderLock

TTL = 3.0


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    with OwnRedis.running() as server:
        yield server


@pytest.fixture
def client(own_redis) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(own_redis.url)
    connection.flushdb()
    yield connection
    connection.close()


# --- the lock -------------------------------------------------------------------------


def test_one_holder_at_a_time_until_it_expires_or_is_released(client):
    first = LeaderLock(client, key="beat-test", ttl=0.5)
    second = LeaderLock(client, key="beat-test", ttl=0.5)
    assert first.hold() and not second.hold()
    assert first.hold()  # renewing keeps it
    assert client.get("beat-test").decode() == first.token
    time.sleep(0.7)  # the holder died: no renewal
    assert second.hold() and not first.hold()
    second.release()
    assert first.hold()


def test_a_redis_restart_forgets_the_lock_and_exactly_one_takes_it_again(client, own_redis):
    first = LeaderLock(client, key="beat-test", ttl=5)
    second = LeaderLock(client, key="beat-test", ttl=5)
    assert first.hold() and not second.hold()
    own_redis.stop()
    assert not first.hold() and not second.hold()  # Redis is gone: nobody fires
    own_redis.start()
    assert [second.hold(), first.hold()] == [True, False]


# --- two real beats --------------------------------------------------------------------


def beat(redis_url: str, workdir: Path, name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="waproject.settings",
        PYTHONPATH=str(ROOT),
        REDIS_URL=redis_url,
        VAR_DIR=str(workdir),
        BEAT_LEADER_TTL=str(TTL),
    )
    command = [PYTHON, "-m", "celery", "-A", "waproject", "beat", "--loglevel", "INFO"]
    return _start([*command, "--schedule", str(workdir / f"{name}-schedule")], env, workdir / f"{name}.log")


def fired(client: redis.Redis) -> list[tuple[str, int]]:
    """(task, pid of the beat that sent it) of every task waiting in the broker (no worker),
    oldest first (kombu pushes new messages at the head of the list)."""
    sent = []
    for raw in reversed(client.lrange("celery", 0, -1)):
        headers = json.loads(raw)["headers"]
        origin = re.match(r"gen(\d+)@", headers["origin"])
        assert origin, headers["origin"]
        sent.append((headers["task"], int(origin.group(1))))
    return sent


def wait_log(path: Path, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{path.name} never said {text!r}:\n{path.read_text() if path.exists() else ''}")


def per_second(client: redis.Redis, task: str, seconds: float) -> tuple[float, set[int]]:
    """How many times per second ``task`` was fired over the next ``seconds``, and by whom."""
    before = len(fired(client))
    time.sleep(seconds)
    window = [entry for entry in fired(client)[before:] if entry[0] == task]
    return len(window) / seconds, {pid for _, pid in window}


@pytest.mark.e2e
def test_two_beats_fire_each_timer_once_and_the_standby_takes_over(client, own_redis, tmp_path):
    routing = "conversations.tasks.routing_sweep_task"  # every second
    outbound = "conversations.tasks.outbound_sweep_task"  # every 2 s
    first = beat(own_redis.url, tmp_path, "first")
    second = None
    try:
        wait_log(tmp_path / "first.log", "beat: leading")
        second = beat(own_redis.url, tmp_path, "second")
        wait_log(tmp_path / "second.log", "beat: standby")

        rate, senders = per_second(client, routing, 6)
        assert senders == {first.pid}
        assert 0.6 <= rate <= 1.35, f"the 1 s sweep fired {rate:.2f} times a second with two beats"
        counts = Counter(task for task, _ in fired(client))
        assert counts[outbound] <= counts[routing] / 2 + 2

        os.kill(first.pid, signal.SIGKILL)  # died without a word: its lock runs out
        killed_at = time.monotonic()
        before = len(fired(client))
        deadline = killed_at + TTL + 5
        while time.monotonic() < deadline and not any(pid == second.pid for _, pid in fired(client)[before:]):
            time.sleep(0.05)
        took = time.monotonic() - killed_at
        assert any(pid == second.pid for _, pid in fired(client)[before:]), "the standby never took over"
        assert took <= TTL + 1.5, f"the standby took over after {took:.1f} s (lock TTL {TTL} s)"

        rate, senders = per_second(client, routing, 4)
        assert senders == {second.pid} and 0.6 <= rate <= 1.35

        # a beat stopped normally hands over at once, not after the TTL
        third = beat(own_redis.url, tmp_path, "third")
        try:
            wait_log(tmp_path / "third.log", "beat: standby")
            _stop(second)
            stopped_at = time.monotonic()
            before = len(fired(client))
            while time.monotonic() < stopped_at + TTL and not fired(client)[before:]:
                time.sleep(0.05)
            assert any(pid == third.pid for _, pid in fired(client)[before:])
            assert time.monotonic() - stopped_at < TTL - 0.5
        finally:
            _stop(third)
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
