"""The port's test helpers: the running port's handles, and starting one on loopback."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from innoscore.serve.app import Limits, create_app
from innoscore.serve.store import Store


@dataclass
class Port:
    url: str
    store: Store
    runs: Path
    month: str
    keys: dict  # name -> secret: "a" and "b" (two banks), "expired", "revoked"
    owners: dict  # name -> owner
    data: Path
    root: Path
    model: Path

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys.get(key, key)}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(runs: Path, store: Store, limits: Limits):
    """The port on a free loopback port, in a thread: ``(url, stop)``."""
    number = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runs, store, limits), host="127.0.0.1", port=number,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{number}", stop
