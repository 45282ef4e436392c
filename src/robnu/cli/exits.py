"""What ``robnu``'s exit status says happened (documented in docs/operations.md, "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # an unexpected error (a bug): the message is printed, the traceback logged at DEBUG
    BAD_INPUT = 2  # an argument or option was refused (click's usage errors use 2 too)
    NOT_FOUND = 3  # the seller, account, listing, report … named does not exist
    KEYS = 4  # the master keys cannot be used: missing, damaged, wrong, or a secret's key is not in the ring
    UNAVAILABLE = 5  # the database (or a marketplace) could not be reached: try again later
    RUN_FAILED = 6  # a run finished FAILED (robnu sync: at least one target failed)
    RUN_SKIPPED = 7  # a run was SKIPPED: another run of the same account and target holds the lease
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT)
    TERMINATED = 143  # stopped by SIGTERM (timeout, systemd, a container runtime)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that every command stops the same way: the open
    batch is rolled back, the lease released, the run marked ABANDONED."""
