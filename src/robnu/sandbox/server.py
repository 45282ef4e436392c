"""Serve a SandboxWorld's apps over real HTTP on localhost (``robnu sandbox serve``, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from robnu.sandbox.world import SandboxWorld


@dataclass(frozen=True)
class Served:
    code: str
    name: str
    url: str


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _servers(world: SandboxWorld, host: str, first_port: int | None) -> tuple[list[uvicorn.Server], list[Served]]:
    servers, served = [], []
    for i, (code, name, app) in enumerate(world.apps()):
        port = first_port + i if first_port else free_port(host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        servers.append(uvicorn.Server(config))
        served.append(Served(code, name, f"http://{host}:{port}"))
    return servers, served


def serve_forever(world: SandboxWorld, host: str = "127.0.0.1", first_port: int = 8101) -> None:
    servers, _ = _servers(world, host, first_port)

    async def main() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(main())


def endpoints_of(served: list[Served]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for s in served:
        out.setdefault(s.code, {})[s.name] = s.url
    return out


@contextmanager
def serving(world: SandboxWorld, host: str = "127.0.0.1") -> Iterator[list[Served]]:
    """Run every app on a free port in a background thread for the duration of the block."""
    servers, served = _servers(world, host, None)
    loop = asyncio.new_event_loop()

    async def main() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not all(s.started for s in servers):
        if time.monotonic() > deadline:
            raise RuntimeError("sandbox servers did not start within 10 s")
        time.sleep(0.02)
    try:
        yield served
    finally:
        for s in servers:
            s.should_exit = True
        thread.join(timeout=10)
        loop.close()
