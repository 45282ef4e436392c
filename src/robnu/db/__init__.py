"""Persistence: SQLAlchemy models, engine/session, upserts. Same schema on SQLite and PostgreSQL."""
