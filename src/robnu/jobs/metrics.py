"""Prometheus metrics, read from the database at scrape time so every process reports the same truth:
runs by outcome, run duration, queue depth and the age of the oldest due schedule."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select, text

from robnu.db.models import MarketplaceAccount, RunReport, Schedule
from robnu.services import schedules
from robnu.services.runtime import Runtime

DURATION_BUCKETS = (0.5, 1, 5, 15, 60, 300, 900, 3600)


class JobsCollector(Collector):
    def __init__(self, rt: Runtime, queue_depth: Callable[[], dict[tuple[str, str], int]] | None = None) -> None:
        self.rt = rt
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        now = self.rt.clock.now()
        with self.rt.sessions() as s:
            by_outcome = s.execute(
                select(RunReport.target, RunReport.status, func.count()).group_by(RunReport.target, RunReport.status)
            ).all()
            bucket_cols = [
                func.sum(case((RunReport.duration_ms <= int(b * 1000), 1), else_=0)) for b in DURATION_BUCKETS
            ]
            durations = s.execute(
                select(RunReport.target, func.count(), func.coalesce(func.sum(RunReport.duration_ms), 0), *bucket_cols)
                .where(RunReport.duration_ms.is_not(None))
                .group_by(RunReport.target)
            ).all()
            due = (
                select(Schedule.target, func.count(), func.min(Schedule.next_run_at))
                .join(MarketplaceAccount, MarketplaceAccount.id == Schedule.marketplace_account_id)
                .where(
                    Schedule.enabled.is_(True),
                    Schedule.next_run_at <= now,
                    schedules.runnable_account(),
                )
                .group_by(Schedule.target)
            )
            due_rows = s.execute(due).all()
            paused = s.execute(select(func.count()).where(Schedule.enabled.is_(False))).scalar_one()
        runs = CounterMetricFamily("robnu_runs", "Scheduled runs by target and outcome", labels=["target", "outcome"])
        for target, status, n in by_outcome:
            runs.add_metric([target, status], n)
        yield runs
        hist = HistogramMetricFamily("robnu_run_duration_seconds", "Run duration", labels=["target"])
        for target, count, total_ms, *buckets in durations:
            pairs = [(str(b), float(c or 0)) for b, c in zip(DURATION_BUCKETS, buckets, strict=True)]
            hist.add_metric([target], [*pairs, ("+Inf", float(count))], sum_value=float(total_ms) / 1000)
        yield hist
        depth = GaugeMetricFamily("robnu_schedules_due", "Due schedules not yet handed to a run", labels=["target"])
        oldest = GaugeMetricFamily(
            "robnu_oldest_due_schedule_seconds", "How long the oldest due schedule has waited", labels=["target"]
        )
        for target, n, first in due_rows:
            depth.add_metric([target], n)
            oldest.add_metric([target], max(0.0, (now - first).total_seconds()) if first else 0.0)
        yield depth
        yield oldest
        yield GaugeMetricFamily("robnu_schedules_paused", "Disabled schedules", value=paused)
        if self.queue_depth is not None:
            queue = GaugeMetricFamily(
                "robnu_queue_jobs", "Jobs in the task queues by queue and status", labels=["queue", "status"]
            )
            for (name, status), n in sorted(self.queue_depth().items()):
                queue.add_metric([name, status], n)
            yield queue


def pg_queue_depth(rt: Runtime, queue: str) -> Callable[[], dict[tuple[str, str], int]] | None:
    """Procrastinate's job counts by (queue, status) over ``queue`` (the tick's) and its marketplaces' queues
    (``queue.<code>``), when the database is PostgreSQL and has its schema."""
    if rt.engine.dialect.name != "postgresql":
        return None

    def depth() -> dict[tuple[str, str], int]:
        with rt.engine.connect() as conn:
            if not conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one():
                return {}
            rows = conn.execute(
                text(
                    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs"
                    " WHERE queue_name = :q OR starts_with(queue_name, :q || '.') GROUP BY queue_name, status"
                ),
                {"q": queue},
            ).all()
        return {(str(name), str(status)): int(n) for name, status, n in rows}

    return depth


def registry_for(rt: Runtime, queue: str = "robnu") -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(JobsCollector(rt, pg_queue_depth(rt, queue)))
    return registry


def render(rt: Runtime, queue: str = "robnu") -> str:
    return generate_latest(registry_for(rt, queue)).decode()


def serve(rt: Runtime, port: int, addr: str = "127.0.0.1", queue: str = "robnu") -> None:
    """Expose /metrics on ``addr:port`` from a background thread."""
    start_http_server(port, addr=addr, registry=registry_for(rt, queue))
