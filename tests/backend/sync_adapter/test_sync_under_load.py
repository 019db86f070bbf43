"""Sync under load: a push's cost is bounded, the counter is bumped once per commit, pulls send
only what a device may hold, and an Idempotency-Key never outlives its transaction."""

import json
import re
from collections import Counter

from sqlalchemy import func, select

from backend.models import Finding, Hazard, Inspection, SyncCounter
from tests.backend.fixtures.sync import offline_inspection, pull, push


def checklist_items(first_pull, code):
    (version,) = [
        c
        for c in first_pull["changes"]["checklists"]["created"]
        if c["code"] == code and c["is_current"]
    ]
    content = json.loads(version["content"])
    return version["id"], [item["code"] for s in content["sections"] for item in s["items"]]


def statement_kinds(statements) -> Counter:
    return Counter(re.match(r"\s*(\w+)", s).group(1).upper() for s in statements)


def test_a_duty31_push_runs_a_bounded_number_of_statements_and_bumps_the_counter_once(
    client, session, sync_world, device, count_queries
):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = checklist_items(first, "duty31")
    assert len(codes) == 31
    changes = offline_inspection(sync_world["inside"], version_id, codes, failures=codes[:1])
    counter_before = session.scalar(select(SyncCounter.value))
    with count_queries() as statements:
        push(client, headers, changes, first["timestamp"])
    kinds = statement_kinds(statements)
    bumps = [s for s in statements if s.lstrip().upper().startswith("UPDATE SYNC_COUNTER")]
    assert len(bumps) == 1
    assert session.scalar(select(SyncCounter.value)) == counter_before + 1
    assert len(statements) <= 60, kinds
    assert kinds["SELECT"] <= 30, kinds
    assert session.scalar(select(func.count()).select_from(Finding)) == 31
    assert session.scalar(select(func.count()).select_from(Hazard)) == 1
    assert session.get(Inspection, "i1").status == "finished"


def spy_on_change_log(monkeypatch) -> dict[str, int]:
    """How many records' changes each table's pull read from the change log."""
    from backend.sync_adapter import pull as sync_pull

    read, real = {}, sync_pull.changes_since

    def counting(table_name, *args, **kwargs):
        changed = real(table_name, *args, **kwargs)
        read[table_name] = len(changed)
        return changed

    monkeypatch.setattr(sync_pull, "changes_since", counting)
    return read


def test_a_colleagues_work_never_reaches_a_device_as_deleted(
    client, sync_world, device, make_user, count_queries, monkeypatch
):
    colleague = make_user("inspector", jurisdiction=sync_world["street"])
    mine, theirs = device(sync_world["inspector"], "dev-a"), device(colleague, "dev-b")
    first = pull(client, mine)
    version_id, codes = checklist_items(first, "wuluoshi")
    changes = offline_inspection(sync_world["inside"], version_id, codes, failures=codes[:1])
    push(client, theirs, changes, pull(client, theirs)["timestamp"])
    read = spy_on_change_log(monkeypatch)
    with count_queries() as statements:
        later = pull(client, mine, first["timestamp"])["changes"]
    assert read["inspections"] == read["findings"] == 0  # filtered in SQL, not in Python
    for table in ("inspections", "findings"):
        assert later[table] == {"created": [], "updated": [], "deleted": []}
    assert len(later["hazards"]["created"]) == 1  # hazards are the jurisdiction's business
    path_lookups = [s for s in statements if s.startswith("SELECT jurisdictions.path")]
    assert len(path_lookups) <= 1  # once per pull, not once per changed record


def test_a_pull_reads_the_change_log_through_the_table_and_seq_index(session):
    """An empty incremental pull must not read a table's whole history (it grew with it)."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql, sqlite

    from backend.models import SyncChange
    from backend.sync_adapter.pull import changes_query

    TABLES = ("inspections", "findings", "hazards", "photos", "hazard_actions", "enterprises")

    # A change log of some size, with statistics: on a nearly empty table PostgreSQL's costs
    # tie and it may pick either index (the plan of a real log is the one that matters).
    session.execute(
        SyncChange.__table__.insert(),
        [
            {
                "seq": seq,
                "table_name": TABLES[seq % len(TABLES)],
                "record_id": f"r{seq}",
                "operation": "updated",
            }
            for seq in range(1, 3001)
        ],
    )
    session.execute(text("ANALYZE sync_changes"))
    query = changes_query("findings", 10, 20)
    if session.bind.dialect.name == "sqlite":
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    else:
        sql = str(
            query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))
    if session.bind.dialect.name == "sqlite":
        assert "ix_sync_changes_table_seq" in plan, plan
        assert "TEMP B-TREE" not in plan.upper(), plan  # ordered by the index, not sorted after
    else:
        # PostgreSQL costs the two indexes on their statistics: either way the scan is bounded
        # by the pull's window of seq, never the table's whole history.
        assert "Seq Scan" not in plan, plan
        bounded = re.search(r"Index Cond: \(.*\(seq > 10\) AND \(seq <= 20\)", plan)
        assert bounded, plan


def test_a_first_pull_holds_open_recent_and_hazard_linked_inspections_only(
    client, session, sync_world, device
):
    from datetime import timedelta

    from sqlalchemy import update

    from backend.models import utcnow

    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = checklist_items(first, "wuluoshi")
    batches = {
        "old-clean": offline_inspection(
            sync_world["inside"], version_id, codes, prefix="old-clean"
        ),
        "old-open": offline_inspection(
            sync_world["inside"], version_id, codes, finished=False, prefix="old-open"
        ),
        "old-hazard": offline_inspection(
            sync_world["inside"], version_id, codes, failures=codes[:1], prefix="old-hazard"
        ),
        "recent": offline_inspection(sync_world["inside"], version_id, codes, prefix="recent"),
    }
    for changes in batches.values():
        push(client, headers, changes, first["timestamp"])
    long_ago = utcnow() - timedelta(days=400)
    session.execute(
        update(Inspection).where(Inspection.id.like("old-%")).values(created_at=long_ago)
    )
    session.commit()
    fresh = pull(client, device(sync_world["inspector"], "dev-new"))["changes"]
    held = {record["id"] for record in fresh["inspections"]["created"]}
    assert held == {"old-open", "old-hazard", "recent"}
    finding_owners = {record["inspection_id"] for record in fresh["findings"]["created"]}
    assert finding_owners == held


def test_an_enterprise_device_never_hears_of_inspection_plans(client, session, sync_world, device):
    """Visits are unannounced: not even a plan's deletion reaches the enterprise's devices."""
    from datetime import date

    from backend.models import InspectionPlan

    headers = device(sync_world["manager"], "dev-ent")
    first = pull(client, headers)
    enterprise = sync_world["inside"]
    plan = InspectionPlan(
        id="plan-x",
        enterprise_id=enterprise.id,
        jurisdiction_id=enterprise.jurisdiction_id,
        checklist_code="duty31",
        class_code="general",
        basis_on=date(2026, 6, 1),
        due_on=date(2026, 12, 1),
    )
    session.add(plan)
    session.commit()
    plan.status = "done"
    session.commit()
    later = pull(client, headers, first["timestamp"])["changes"]["inspection_plans"]
    assert later == {"created": [], "updated": [], "deleted": []}
