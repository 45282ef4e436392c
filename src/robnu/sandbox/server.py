"""Serve a SandboxWorld's apps over real HTTP on localhost (``robnu sandbox serve``, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import errno
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


class PortsInUse(OSError):
    """Some of the ports the sandboxes need are taken; ``taken`` lists (port, "CODE endpoint")."""

    def __init__(self, host: str, taken: list[tuple[int, str]]) -> None:
        names = ", ".join(f"{port} ({what})" for port, what in taken)
        super().__init__(f"already in use on {host}: {names}")
        self.host = host
        self.taken = taken


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (bound as uvicorn binds: SO_REUSEADDR on)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise  # not "taken": a host that is not this machine's, a port that needs privileges
        return True


def check_ports(world: SandboxWorld, host: str, first_port: int) -> None:
    """Raise ``PortsInUse`` naming every taken port before anything starts (or is printed)."""
    taken = [
        (first_port + i, f"{code} {name}")
        for i, (code, name, _app) in enumerate(world.apps())
        if not port_is_free(host, first_port + i)
    ]
    if taken:
        raise PortsInUse(host, taken)


def _servers(world: SandboxWorld, host: str, first_port: int | None) -> tuple[list[uvicorn.Server], list[Served]]:
    servers, served = [], []
    for i, (code, name, app) in enumerate(world.apps()):
        port = first_port + i if first_port else free_port(host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        servers.append(uvicorn.Server(config))
        served.append(Served(code, name, f"http://{host}:{port}"))
    return servers, served


def serve_forever(world: SandboxWorld, host: str = "127.0.0.1", first_port: int = 8101) -> None:
    check_ports(world, host, first_port)
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
