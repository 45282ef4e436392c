"""The permissions the dashboard's pages and actions ask for (the role table decides who holds them)."""

from __future__ import annotations

ORDERS_READ = "orders:read"
RETURNS_READ = "returns:read"
PAYOUTS_READ = "payouts:read"
STOCK_READ = "stock:read"
STOCK_WRITE = "stock:write"
ACCOUNTS_READ = "accounts:read"
ACCOUNTS_WRITE = "accounts:write"
SYNC_RUN = "sync:run"
PROCESSING_READ = "processing:read"
PROCESSING_RUN = "processing:run"
RUNS_READ = "runs:read"
SCHEDULES_WRITE = "schedules:write"
DOCUMENTS_READ = "documents:read"
USERS_READ = "users:read"
USERS_WRITE = "users:write"
