"""The damon apps as child processes (like libs/testing/src/service-process.ts) and scratch databases
with the project's migrations applied (like libs/persistence's createScratchDatabase)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[4]
TS_NODE = ["node", "-r", "ts-node/register/transpile-only", "-r", "tsconfig-paths/register"]


class ServiceProcess:
    def __init__(self, main: str, process: subprocess.Popen) -> None:
        self.main = main
        self.process = process
        self._lines: List[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, main: str, env: Dict[str, str]) -> "ServiceProcess":
        process = subprocess.Popen(
            [*TS_NODE, str(REPO_ROOT / main)],
            cwd=REPO_ROOT,
            env={**os.environ, "TS_NODE_PROJECT": str(REPO_ROOT / "tsconfig.json"), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return cls(main, process)

    def output(self) -> str:
        return "".join(self._lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                state = f"exited ({self.process.returncode})" if self.process.poll() is not None else "timed out"
                raise AssertionError(f"{self.main} {state} before {text!r}:\n{self.output()[-4000:]}")
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line)


class ScratchDatabase:
    def __init__(self, server_url: str, name: str) -> None:
        self.server_url = server_url
        self.name = name
        parts = urlsplit(server_url)
        self.url = urlunsplit(parts._replace(path=f"/{name}"))

    @classmethod
    def create(cls, server_url: str) -> "ScratchDatabase":
        db = cls(server_url, f"damon_sdk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}")
        _psql(server_url, f'CREATE DATABASE "{db.name}"')
        migrate = subprocess.run(
            [*TS_NODE, str(REPO_ROOT / "libs/persistence/src/cli/migrate.ts")],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": db.url, "TS_NODE_PROJECT": str(REPO_ROOT / "tsconfig.json")},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if migrate.returncode != 0:
            db.drop()
            raise RuntimeError(f"migrations failed on {db.url}:\n{migrate.stdout}\n{migrate.stderr}")
        return db

    def drop(self) -> None:
        _psql(self.server_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True, timeout=60)


class PrivateKafka:
    """A broker started through infra/kafka/start on free ports with its own data folder."""

    def __init__(self, env: Dict[str, str], url: str) -> None:
        self.env = env
        self.url = url
        self._stopped = False

    @classmethod
    def start(cls, data_dir: Path) -> "PrivateKafka":
        port, controller = _free_port(), _free_port()
        env = {**os.environ, "KAFKA_PORT": str(port), "KAFKA_CONTROLLER_PORT": str(controller), "KAFKA_DATA_DIR": str(data_dir), "KAFKA_HEAP": "256m"}
        done = subprocess.run(["bash", str(REPO_ROOT / "infra/kafka/start")], env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"infra/kafka/start failed:\n{done.stdout}\n{done.stderr[-3000:]}")
        return cls(env, done.stdout.strip().splitlines()[-1].split("=", 1)[1])

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            subprocess.run(["bash", str(REPO_ROOT / "infra/kafka/stop")], env=self.env, capture_output=True, timeout=120)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
