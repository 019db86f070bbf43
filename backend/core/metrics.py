"""Prometheus metrics at `/metrics` (issue 20): requests per endpoint, the sync's pushed
records and rejections, upload bytes, jobs, and the queue's depth read at scrape time.

Labels name Flask endpoints and sync tables, never raw paths or ids, so the series stay few.
`/metrics` answers only a bearer token equal to METRICS_TOKEN (compared in constant time, never
logged); without a configured token it does not exist (404).

Several processes (`xuncha serve --workers N`, gunicorn) each count their own figures; with
PROMETHEUS_MULTIPROC_DIR set (an empty folder, before the server starts) prometheus-client
keeps them in files there and a scrape of any worker sums them all (docs/deploy.md).
"""

import hmac
import os
import time

from flask import Flask, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "xuncha_http_requests", "HTTP requests answered", ["endpoint", "method", "status"]
)
REQUEST_ERRORS = Counter(
    "xuncha_http_request_errors", "HTTP requests answered with a 5xx status", ["endpoint"]
)
LATENCY = Histogram(
    "xuncha_http_request_duration_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SYNC_PUSHED = Counter("xuncha_sync_pushed_records", "Records pushed by devices", ["table"])
SYNC_REJECTED = Counter("xuncha_sync_rejected_records", "Pushed records refused", ["table"])
UPLOAD_BYTES = Counter("xuncha_upload_bytes", "Photo bytes received (plain and tus uploads)")
JOB_RUNS = Counter("xuncha_job_runs", "Scheduled job runs by outcome", ["job", "outcome"])
QUEUE_RUNS = Counter("xuncha_queue_job_runs", "Queued jobs run by outcome", ["kind", "outcome"])

UNMATCHED = "unmatched"  # a request no route took (404, 405): one series for them all


def init_metrics(app: Flask) -> None:
    app.before_request(_start_clock)
    app.after_request(_count_request)
    app.add_url_rule("/metrics", "metrics", _scrape)


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response):
    started = g.pop("metrics_started", None)
    endpoint = request.endpoint or UNMATCHED
    if endpoint == "metrics":
        return response
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if response.status_code >= 500:
        REQUEST_ERRORS.labels(endpoint).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def count_push(pushed: dict[str, int], rejected: dict[str, int]) -> None:
    for table, count in pushed.items():
        SYNC_PUSHED.labels(table).inc(count)
    for table, count in rejected.items():
        SYNC_REJECTED.labels(table).inc(count)


def count_upload_bytes(count: int) -> None:
    if count > 0:
        UPLOAD_BYTES.inc(count)


def count_job(job: str, outcome: str) -> None:
    JOB_RUNS.labels(job, outcome).inc()


def count_queue_job(kind: str, outcome: str) -> None:
    QUEUE_RUNS.labels(kind, outcome).inc()


def _scrape():
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        abort(404)
    if not _token_matches(request.headers.get("Authorization", ""), expected):
        abort(401)
    queue = CollectorRegistry()
    queue.register(_QueueDepth())
    body = generate_latest(_counters()) + generate_latest(queue)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}


def _token_matches(authorization: str, expected: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def _counters() -> CollectorRegistry:
    """This process's figures, or every worker's when they share PROMETHEUS_MULTIPROC_DIR."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


class _QueueDepth:
    """The background queue's jobs by kind and state, counted in the database at scrape time
    (every instance sees the same queue, so any one may answer)."""

    def collect(self):
        from .db import db
        from .queue import depth

        family = GaugeMetricFamily(
            "xuncha_queue_jobs", "Jobs in the background queue", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(depth(db.engine).items()):
            family.add_metric([kind, state], count)
        yield family
