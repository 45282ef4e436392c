"""Which process runs a dashboard job: ``<host>:<pid>:<token>``, where the host is the machine's name and its PID
namespace (two containers that share a name do not share process ids), and the token is drawn per process, so
a process that reuses a dead one's pid (a container's pid 1 after a restart) is still another owner.

On the same host a process can tell that the owner of a job is dead (its pid is gone, or it is its own pid
under an earlier token); on any other host it cannot, and only the job's heartbeat tells."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

MAX_LENGTH = 160


def _host() -> str:
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:  # not Linux: the host name alone
        namespace = "-"
    # ':' separates the parts: a host name never holds one, but keep the id parseable whatever it holds.
    return f"{socket.gethostname()[:100]}/{namespace}".replace(":", "_")


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"[:MAX_LENGTH]

    @classmethod
    def this_process(cls) -> Owner:
        return cls(_host(), os.getpid(), secrets.token_hex(6))

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        host, pid, token = parts
        return cls(host, int(pid), token)

    def is_dead_seen_from(self, me: Owner) -> bool:
        """True only when ``me`` runs on the same host and knows this owner's process is gone: its pid is not
        running, or it is ``me``'s own pid under another token. Unsure (another host, a pid alive again) is
        False: the heartbeat decides then."""
        if self.host != me.host or self == me:
            return False
        if self.pid == me.pid:
            return True
        try:
            os.kill(self.pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return True
        except PermissionError:  # exists, run by another user
            return False
        return False
