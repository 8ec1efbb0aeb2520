"""A real ``oasis serve`` process on a free loopback port, as in production.

Load tests run the server in its own process: in the test's process its event loop would
share the interpreter lock with the test's client threads, and what was measured would
be the test, not the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_process(db_url: str, secret: str, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``(base URL, process)`` of ``oasis serve --db db_url --no-jobs``; killed at exit."""
    port = free_port()
    env = os.environ | {"OASIS_SECRET_KEY": secret, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from oasis.commands.app import main; main()", "serve",
         "--port", str(port), "--db", db_url, "--no-jobs", *args], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oasis serve did not start") from None
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.kill()
        proc.wait(10)
