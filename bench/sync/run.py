"""First sync of an inspector whose jurisdiction holds N enterprises, each with an open hazard.

Measures the pull's wall time, the number of SQL statements and Python's peak allocation
(tracemalloc) against a fresh SQLite database (or DATABASE_URL). Prints a Markdown table.

    .venv/bin/python bench/sync/run.py [--enterprises 2000] [--repeat 3]
"""

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from datetime import timedelta

from sqlalchemy import event


def build(app, count: int):
    from backend.checklists.services import publish_shipped
    from backend.core.db import db
    from backend.core.timeutil import today_in_shanghai
    from backend.demo import demo_uscc
    from backend.jurisdictions.services import create_jurisdiction
    from backend.models import Enterprise, Hazard, User
    from backend.users.auth import hash_password, issue_token

    with app.app_context():
        publish_shipped()
        district = create_jurisdiction(name="基准区", level="district", parent=None)
        street = create_jurisdiction(name="基准街道", level="street", parent=district)
        grid = create_jurisdiction(name="基准网格", level="grid", parent=street)
        enterprises = [
            Enterprise(
                name=f"基准企业{n}",
                uscc=demo_uscc(300_000 + n),
                industry=("hazardous_chemicals", "industry_trade.machinery", "urban_gas")[n % 3],
                scale="above_scale",
                jurisdiction_id=grid.id,
            )
            for n in range(count)
        ]
        db.session.add_all(enterprises)
        inspector = User(
            username="bench",
            password_hash=hash_password("bench-password"),
            role="inspector",
            jurisdiction_id=street.id,
        )
        db.session.add(inspector)
        db.session.flush()
        db.session.add_all(
            Hazard(
                id=f"bench-{e.id}",
                enterprise_id=e.id,
                title="基准隐患",
                grade="general",
                due_on=today_in_shanghai(),
                reported_by_id=inspector.id,
            )
            for e in enterprises
        )
        token, _ = issue_token(inspector, ttl=timedelta(hours=1), device_id="bench")
        db.session.commit()
        return token


def measure(app, token):
    from backend.core.db import EXTENSION_KEY

    statements = []
    engine = app.extensions[EXTENSION_KEY]

    def record(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    client = app.test_client()
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(
        "/api/v1/sync?last_pulled_at=null&schema_version=1",
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.json
    return elapsed, peak, len(statements), body, len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="xuncha-bench-")
    os.environ.setdefault("XUNCHA_VAR_DIR", folder)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    from backend.app import create_app
    from backend.migrate import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-0123456789abcdef0123456789"})
    token = build(app, args.enterprises)
    runs = [measure(app, token) for _ in range(args.repeat)]
    _, _, _, body, size = runs[-1]
    changes = body["changes"]
    print("| enterprises | hazards | median time | peak Python memory | SQL statements | body |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(changes['enterprises']['created'])} | {len(changes['hazards']['created'])} "
        f"| {statistics.median(r[0] for r in runs) * 1000:.0f} ms "
        f"| {max(r[1] for r in runs) / 2**20:.1f} MiB | {runs[-1][2]} | {size / 2**20:.1f} MiB |"
    )


if __name__ == "__main__":
    main()
