"""Incremental pull cost as the sync change log grows (10k, 300k, 1M rows by default).

At each size the change log (`sync_changes`) is grown by a bulk insert straight into the
database, spread over the synced tables with increasing `seq` and a matching `sync_counter`;
then an inspector's incremental pull is timed through the Flask app in-process: with nothing
changed since the last pull, and with one hazard of theirs changed. Median of --repeat runs
(after one warm-up), printed as a Markdown table.

    .venv/bin/python bench/load/pull_cost.py                       # a fresh SQLite file
    .venv/bin/python bench/load/pull_cost.py --sizes 1000,5000 --repeat 3
    .venv/bin/python bench/load/pull_cost.py --database-url postgresql+psycopg://…/scratch

A given --database-url is migrated, gets the demo data and keeps the inserted rows: give it
a throwaway database.
"""

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, timedelta

# Rows of one synced table out of every 8 change rows: mostly findings, as in real pushes.
TABLE_CYCLE = ("inspections", *["findings"] * 4, "hazards", "hazard_actions", "photos")
ROWS_PER_SEQ = 32  # change rows stamped by one transaction (one pushed inspection)
CHUNK = 20_000
PULL = "/api/v1/sync?last_pulled_at={}&schema_version=1"


def parse_sizes(text: str) -> list[int]:
    units = {"k": 1_000, "m": 1_000_000}
    sizes = []
    for part in text.lower().split(","):
        part = part.strip().replace("_", "")
        sizes.append(int(float(part[:-1]) * units[part[-1]]) if part[-1] in units else int(part))
    return sorted(sizes)


def prepare(url: str, scratch: str):
    """Migrate, publish the checklists, load the demo; the app and an inspector's token."""
    from backend.app import create_app
    from backend.checklists.services import publish_shipped
    from backend.core.db import db
    from backend.demo import seed_demo
    from backend.migrate import upgrade

    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-0123456789abcdef0123456789",
            "MEDIA_ROOT": scratch,
        }
    )
    with app.app_context():
        publish_shipped()
        seed_demo()
        db.session.commit()
    client = app.test_client()
    login = {"username": "inspector", "password": "demo-inspector-pass", "device_id": "bench"}
    response = client.post("/api/v1/auth/token", json=login)
    assert response.status_code == 201, response.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    return app, client, headers


def report_hazard(client, headers) -> str:
    """One open hazard the inspector sees, reported through the API."""
    first = client.get(PULL.format("null"), headers=headers).json
    enterprise_id = first["changes"]["enterprises"]["created"][0]["id"]
    body = {
        "enterprise_id": int(enterprise_id),
        "title": "基准隐患 (pull cost)",
        "grade": "general",
        "due_on": (date.today() + timedelta(days=30)).isoformat(),
    }
    response = client.post("/api/v1/hazards", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


def grow(engine, target: int) -> int:
    """Insert change rows until the log holds `target`; the row count reached."""
    from sqlalchemy import func, insert, select, text, update

    from backend.models import SyncChange, SyncCounter

    with engine.begin() as connection:
        count = connection.scalar(select(func.count()).select_from(SyncChange))
        seq = connection.scalar(select(SyncCounter.value).where(SyncCounter.id == 1)) or 0
        place = connection.execute(
            select(SyncChange.enterprise_id, SyncChange.jurisdiction_path)
            .where(SyncChange.table_name == "enterprises")
            .limit(1)
        ).first() or (None, None)
        for start in range(count, target, CHUNK):
            rows = [
                {
                    "seq": seq + 1 + (n - count) // ROWS_PER_SEQ,
                    "table_name": TABLE_CYCLE[n % len(TABLE_CYCLE)],
                    "record_id": f"bench-{n}",
                    "operation": "created" if n % 3 else "updated",
                    "enterprise_id": place[0],
                    "jurisdiction_path": place[1],
                    "previous_path": None,
                    "user_id": None,
                    "device_id": None,
                }
                for n in range(start, min(start + CHUNK, target))
            ]
            connection.execute(insert(SyncChange), rows)
        if target > count:
            last = seq + 1 + (target - 1 - count) // ROWS_PER_SEQ
            connection.execute(update(SyncCounter).where(SyncCounter.id == 1).values(value=last))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # what autovacuum would do after such a load
            connection.execute(text("ANALYZE sync_changes"))
    return max(count, target)


def touch_hazard(engine, hazard_id: str) -> int:
    """Log one more change of the hazard, as its next update would; the counter before it."""
    from sqlalchemy import insert, select, update

    from backend.models import SyncChange, SyncCounter

    with engine.begin() as connection:
        before = connection.scalar(select(SyncCounter.value).where(SyncCounter.id == 1))
        last = connection.execute(
            select(SyncChange)
            .where(SyncChange.table_name == "hazards", SyncChange.record_id == hazard_id)
            .order_by(SyncChange.seq.desc())
            .limit(1)
        ).first()
        row = {k: getattr(last, k) for k in ("enterprise_id", "jurisdiction_path", "user_id")}
        values = {"table_name": "hazards", "record_id": hazard_id, "operation": "updated"}
        connection.execute(insert(SyncChange).values(seq=before + 1, **values, **row))
        connection.execute(update(SyncCounter).where(SyncCounter.id == 1).values(value=before + 1))
    return before


def timed_pull(client, headers, since: int) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(PULL.format(since), headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return elapsed * 1000, response.json


def records(body) -> int:
    return sum(len(v) for ops in body["changes"].values() for v in ops.values())


def measure(engine, client, headers, hazard_id: str, repeat: int) -> tuple[float, float]:
    """Median ms of an empty and of a one-hazard incremental pull (one warm-up each)."""
    from sqlalchemy import select

    from backend.models import SyncCounter

    empty, one = [], []
    for run in range(repeat + 1):
        with engine.connect() as connection:
            now = connection.scalar(select(SyncCounter.value).where(SyncCounter.id == 1))
        ms, body = timed_pull(client, headers, now)
        assert records(body) == 0, f"an empty pull returned {records(body)} records"
        if run:
            empty.append(ms)
        ms, body = timed_pull(client, headers, touch_hazard(engine, hazard_id))
        hazards = body["changes"]["hazards"]
        assert [h["id"] for h in hazards["updated"]] == [hazard_id], hazards
        assert records(body) == 1, f"a one-hazard pull returned {records(body)} records"
        if run:
            one.append(ms)
    return statistics.median(empty), statistics.median(one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("10k,300k,1M"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xuncha-pull-cost-") as scratch:
        os.environ.setdefault("XUNCHA_VAR_DIR", scratch)
        url = args.database_url or f"sqlite:///{scratch}/pull_cost.db"
        from backend.core.db import EXTENSION_KEY

        app, client, headers = prepare(url, scratch)
        engine = app.extensions[EXTENSION_KEY]
        hazard_id = report_hazard(client, headers)
        print(
            f"| database | change-log rows | empty pull (median of {args.repeat}) "
            f"| one-hazard pull (median of {args.repeat}) | grow time |"
        )
        print("|---|---:|---:|---:|---:|")
        for size in args.sizes:
            started = time.perf_counter()
            rows = grow(engine, size)
            grown = time.perf_counter() - started
            empty, one = measure(engine, client, headers, hazard_id, args.repeat)
            print(
                f"| {engine.dialect.name} | {rows:,} | {empty:.1f} ms | {one:.1f} ms "
                f"| {grown:.1f} s |",
                flush=True,
            )
        engine.dispose()


if __name__ == "__main__":
    main()
