"""Jobs (docs/architecture.md): schedules wake runs up through one task-queue port with two backends — the local
runner (in-process, the SQLite default) and Procrastinate on PostgreSQL (many workers, many machines).
The durable state (schedules, cursors, runs, reports) is Robnu's; the queue only wakes work up."""
