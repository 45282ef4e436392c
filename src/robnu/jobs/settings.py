"""Job settings from the environment (prefix ROBNU_JOBS_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class JobSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROBNU_JOBS_", env_file=".env", extra="ignore")

    # Runs at once per process. Default: 1 on SQLite (one writer at a time: concurrent sync transactions
    # would fail with "database is locked"), 4 on PostgreSQL.
    concurrency: int | None = None
    tick_seconds: float = 5.0  # local runner: how often due schedules are looked for
    tick_cron: str = "* * * * *"  # workers: the periodic tick (a sixth field means seconds)
    max_attempts: int = 5  # a transiently failing run is tried this many times
    retry_base_seconds: int = 30  # backoff: base * 2^(attempt-1), capped
    retry_max_seconds: int = 1800
    heartbeat_seconds: float = 10.0  # a worker's heartbeat
    stalled_seconds: float = 60.0  # a job whose worker has not beaten for this long is recovered
    recover_cron: str = "* * * * *"  # how often stalled jobs are looked for
    queue: str = "robnu"
    batch: int = 500  # due schedules claimed per tick


def concurrency_for(settings: JobSettings, dialect: str) -> int:
    return max(1, settings.concurrency or (1 if dialect == "sqlite" else 4))


def backoff_seconds(attempt: int, settings: JobSettings) -> int:
    return int(min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** max(0, attempt - 1)))
