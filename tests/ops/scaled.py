"""The scaled mode started the way an operator starts it: ``make run-scaled`` (supervisord
with web, worker and beat), for the one-command test and the faults drill."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ops.traffic import CHANNEL_ENV
from tests.stack import DEMO_PASSWORD, PYTHON, ROOT, Stack, free_port

VENV = Path(sys.executable).parent.parent


@dataclass
class Scaled(Stack):
    make: subprocess.Popen | None = None

    def supervisorctl(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "-m", "supervisor.supervisorctl", "-c", "deploy/supervisord.conf", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def pid(self, program: str) -> int:
        return int(self.supervisorctl("pid", program).strip())

    def web_processes(self) -> list[int]:
        """The server processes uvicorn runs under the ``web`` program."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.pid("web")), "-f", "multiprocessing.spawn"],
            capture_output=True,
            text=True,
        ).stdout.split()
        return [int(pid) for pid in children]

    def wait_running(self, *programs: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.supervisorctl("status")
            if all(re.search(rf"^{p}\s+RUNNING", status, re.M) for p in programs):
                return
            time.sleep(0.2)
        raise AssertionError(f"not all of {programs} running:\n{self.supervisorctl('status')}")


def _wait_serving(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run-scaled exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz/", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def run_scaled(
    *, database_url: str, redis_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Scaled]:
    """``make run-scaled`` on a free port, with the demo seeded; stopped with Ctrl-C (SIGINT
    to its process group) on the way out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MFLAGS")}
    env.update(
        CHANNEL_ENV,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        HOST="127.0.0.1",
        PORT=str(port),
        VAR_DIR=str(workdir),
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        PUBLIC_BASE_URL=url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=url,
        DEMO_PASSWORD=DEMO_PASSWORD,
        WHATSAPP_SANDBOX_ENABLED="1",
        WHATSAPP_GRAPH_BASE_URL=f"{url}/sandbox/graph",
        DJANGO_SETTINGS_MODULE="waproject.settings",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra_env or {})
    log = workdir / "run-scaled.log"
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run-scaled", f"VENV={VENV}", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    scaled = Scaled(url=url, env=env, workdir=workdir, scaled=True, make=make)
    try:
        _wait_serving(url, make, log)
        scaled.wait_running("web", "worker", "beat")
        scaled.manage("seed_demo")
        yield scaled
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the operator's terminal
            try:
                make.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait(timeout=10)
