"""The change log's retention: old changes go; a device that last pulled before the cut gets
its whole scope again (replacing what it holds), one after it still gets the increment."""

from datetime import timedelta

from sqlalchemy import func, select, update

from backend.jobs.retention import prune_change_log
from backend.models import Enterprise, SyncChange, SyncCounter, utcnow
from tests.backend.fixtures.sync import pull


def age_all_changes(session, days: int) -> None:
    session.execute(update(SyncChange).values(logged_at=utcnow() - timedelta(days=days)))
    session.commit()


def test_a_device_before_the_cut_resyncs_exactly_one_after_it_gets_the_increment(
    app, client, session, sync_world, device
):
    old_device = device(sync_world["inspector"], "old-phone")
    recent_device = device(sync_world["inspector"], "recent-phone")
    old_pull = pull(client, old_device)
    inside = session.get(Enterprise, sync_world["inside"].id)  # a request ended the session
    inside.name = "改名的企业"
    moved_away = session.get(Enterprise, sync_world["outside"].id)  # in, then out: a deletion
    moved_away.jurisdiction_id = sync_world["street"].id
    session.commit()
    moved_away.jurisdiction_id = sync_world["other"].id
    session.commit()
    age_all_changes(session, app.config["SYNC_CHANGE_LOG_RETENTION_DAYS"] + 1)
    recent_pull = pull(client, recent_device)
    session.get(Enterprise, inside.id).name = "再次改名的企业"
    session.commit()
    increment_before = pull(client, recent_device, recent_pull["timestamp"])
    full = pull(client, old_device)
    logged_before = session.scalar(select(func.count()).select_from(SyncChange))

    result = prune_change_log(utcnow())
    session.commit()

    assert result["deleted"] > 0
    assert session.scalar(select(func.count()).select_from(SyncChange)) == (
        logged_before - result["deleted"]
    )
    assert session.scalar(select(SyncCounter.pruned_through)) == result["pruned_through"]
    assert old_pull["timestamp"] < result["pruned_through"] <= recent_pull["timestamp"]
    resync = pull(client, old_device, old_pull["timestamp"])
    assert resync == {**full, "experimentalStrategy": "replacement"}
    increment = pull(client, recent_device, recent_pull["timestamp"])
    assert increment == increment_before
    enterprises = increment["changes"]["enterprises"]
    assert [e["name"] for e in enterprises["created"] + enterprises["updated"]] == [
        "再次改名的企业"
    ]
    assert sync_world["outside"].id not in {
        e["id"] for e in resync["changes"]["enterprises"]["created"]
    }


def test_nothing_old_enough_deletes_nothing(session, sync_world):
    sync_world["inside"].name = "新近的修改"
    session.commit()
    before = session.scalar(select(func.count()).select_from(SyncChange))
    assert prune_change_log(utcnow()) == {"deleted": 0}
    assert session.scalar(select(func.count()).select_from(SyncChange)) == before
    assert session.scalar(select(SyncCounter.pruned_through)) == 0
