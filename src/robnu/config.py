"""Settings from the environment (prefix ROBNU_) and an optional .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """``./.robnu`` when it exists (a project checkout), otherwise the user's data directory."""
    local = Path.cwd() / ".robnu"
    return local if local.is_dir() else Path(user_data_dir("robnu", appauthor=False))


EMBEDDED_LEASE_SECONDS = 60
SERVER_LEASE_SECONDS = 300


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROBNU_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None  # default: SQLite file in data_dir
    # Master keys: "kid1:base64key,kid2:base64key"; the active key encrypts, all listed keys decrypt.
    master_keys: SecretStr | None = None
    active_key_id: str | None = None
    key_file: Path | None = None  # default: data_dir/master.keys (created 0600 for a new, empty database)
    key_provider: str | None = None  # an entry point of robnu.key_providers (a KMS); default: env, else file
    log_level: str = "INFO"
    # Sync engine defaults (docs/operations.md).
    backfill_days: int = 30
    sync_overlap_seconds: int = 300
    sync_safety_lag_seconds: int = 120
    # A run's lease on (account, target); renewed by a heartbeat every third of it. A killed run's lease
    # blocks the next run of its (account, target) for at most this long. None: 60 s on SQLite (the embedded
    # runner, where a restart should pick up quickly), 300 s on PostgreSQL (workers ride out longer stalls).
    sync_lease_seconds: int | None = Field(default=None, ge=2, le=86_400)
    # How many records the adapter may fetch and map ahead of the batch being written, in a thread of its
    # own (the marketplace's answer and the database's write overlap); 0 reads in the sync's own thread.
    sync_read_ahead_records: int = Field(default=500, ge=0, le=100_000)
    http_max_retries: int = 5
    http_backoff_base_seconds: float = 0.5
    http_timeout_seconds: float = 30.0
    # Marketplace endpoint overrides, JSON {code: {name: base url}} (sandboxes, proxies); empty = real hosts.
    endpoints: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Kill switch of the daily claim sweeper (returns past their claim date without a receive scan).
    enable_claim_sweeper: bool = True
    # The API (docs/security.md). The role tenant units of work run as on PostgreSQL ("auto": robnu_app when
    # the database has it; "" for none), the access-token signing key (default: generated into the data dir),
    # token lifetimes, sign-in throttling, per-tenant rate limits (memory:// or redis://host:port).
    db_app_role: str = "auto"
    jwt_signing_key: SecretStr | None = None
    jwt_key_file: Path | None = None
    access_token_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    rate_limit: str = "600/minute"
    rate_limit_storage: str = "memory://"
    cookie_secure: bool | None = None  # None: Secure exactly when the request came over HTTPS
    # Where documents and the raw-payload journal go: unset = data_dir; s3://bucket?endpoint=…&region=…&sse=…
    storage_url: str | None = None
    journal_enabled: bool = True
    journal_retention_days: int = Field(default=90, ge=1)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'robnu.sqlite3'}"

    def effective_lease_seconds(self, dialect: str) -> int:
        if self.sync_lease_seconds is not None:
            return self.sync_lease_seconds
        return EMBEDDED_LEASE_SECONDS if dialect == "sqlite" else SERVER_LEASE_SECONDS

    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "master.keys"

    def resolved_jwt_key_file(self) -> Path:
        return self.jwt_key_file or self.data_dir / "jwt.key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
