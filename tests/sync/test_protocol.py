"""The framework-free pieces of the sync engine."""

from contextlib import contextmanager

import pytest

from sync import idempotency
from sync.engine import RecordRejected, push
from sync.protocol import (
    ProtocolError,
    check_changes_shape,
    datetime_to_ms,
    ms_to_datetime,
    parse_last_pulled_at,
)


@pytest.mark.parametrize("value", [None, "", "null", "0", 0])
def test_first_sync_values(value):
    assert parse_last_pulled_at(value) is None


def test_last_pulled_at_is_a_counter():
    assert parse_last_pulled_at("42") == 42
    for bad in ("abc", "-1", "1.5"):
        with pytest.raises(ProtocolError):
            parse_last_pulled_at(bad)


def test_changes_shape_problems_name_the_path():
    assert check_changes_shape([]) == [("changes", "must be an object of tables")]
    problems = check_changes_shape(
        {"findings": {"created": {}, "deleted": [{"id": "x"}], "moved": []}}
    )
    assert ("findings.created", "must be a list") in problems
    assert ("findings.deleted", "must list record ids") in problems
    assert ("findings.moved", "unknown operation") in problems


def test_milliseconds_round_trip():
    moment = ms_to_datetime(1_700_000_000_123)
    assert datetime_to_ms(moment) == 1_700_000_000_123
    with pytest.raises(ValueError):
        ms_to_datetime("yesterday")


class Recorder:
    def __init__(self, name, refuse=(), pull_only=False):
        self.name, self.refuse, self.pull_only, self.applied = name, refuse, pull_only, []

    def apply(self, operation, record):
        record_id = record if operation == "deleted" else record["id"]
        if record_id in self.refuse:
            raise RecordRejected(f"{record_id} refused")
        self.applied.append((operation, record_id))


@contextmanager
def no_savepoint():
    yield


class Savepoints:
    """Savepoints over Recorders: a refusal takes back what the savepoint applied."""

    def __init__(self, *recorders):
        self.recorders = recorders
        self.opened = 0

    @contextmanager
    def __call__(self):
        self.opened += 1
        marks = [len(recorder.applied) for recorder in self.recorders]
        try:
            yield
        except RecordRejected:
            for recorder, mark in zip(self.recorders, marks, strict=True):
                del recorder.applied[mark:]
            raise


def test_push_applies_in_order_and_refuses_alone():
    parents, children = Recorder("parents"), Recorder("children", refuse={"c2"})
    changes = {
        "children": {"created": [{"id": "c1"}, {"id": "c2"}], "deleted": ["c3"]},
        "parents": {"updated": [{"id": "p1"}], "created": [{"id": "p2"}]},
        "mystery": {"created": [{"id": "m1"}]},
        "readonly": {"created": [{"id": "r1"}]},
    }
    savepoint = Savepoints(parents, children)
    outcome = push(changes, [parents, children, Recorder("readonly", pull_only=True)], savepoint)
    assert parents.applied == [("created", "p2"), ("updated", "p1")]
    assert children.applied == [("created", "c1"), ("deleted", "c3")]
    assert outcome.rejected_ids() == {"children": ["c2"], "readonly": ["r1"], "mystery": ["m1"]}
    reasons = {r.record_id: r.reason for r in outcome.rejections}
    assert "pull-only" in reasons["r1"] and "unknown table" in reasons["m1"]


def test_a_table_applies_in_one_savepoint_until_a_record_is_refused():
    clean = Recorder("clean")
    savepoint = Savepoints(clean)
    push({"clean": {"created": [{"id": f"r{n}"} for n in range(30)]}}, [clean], savepoint)
    assert savepoint.opened == 1 and len(clean.applied) == 30
    mixed = Recorder("mixed", refuse={"r7"})
    savepoint = Savepoints(mixed)
    outcome = push({"mixed": {"created": [{"id": f"r{n}"} for n in range(30)]}}, [mixed], savepoint)
    assert savepoint.opened == 1 + 30  # the group, then each record alone
    assert [record_id for _, record_id in mixed.applied] == [f"r{n}" for n in range(30) if n != 7]
    assert outcome.rejected_ids() == {"mixed": ["r7"]} and outcome.applied == 29


def test_bad_ids_are_refused_without_reaching_the_adapter():
    table = Recorder("t")
    outcome = push(
        {"t": {"created": [{"id": "bad id!"}, {"name": "no id"}]}}, [table], no_savepoint
    )
    assert table.applied == []
    assert len(outcome.rejections) == 2


def test_idempotency_decisions():
    body = b'{"a": 1, "b": [1, 2]}'
    same = idempotency.fingerprint("POST", "/x", "q=1", b'{"b":[1,2],"a":1}')
    assert idempotency.fingerprint("POST", "/x", "q=1", body) == same
    other = idempotency.fingerprint("POST", "/x", "q=2", body)
    assert idempotency.decide(None, same) is idempotency.Decision.PROCESS
    stored = idempotency.StoredKey(same, completed=False)
    assert idempotency.decide(stored, same) is idempotency.Decision.IN_FLIGHT
    assert idempotency.decide(stored, other) is idempotency.Decision.MISMATCH
    done = idempotency.StoredKey(same, completed=True)
    assert idempotency.decide(done, same) is idempotency.Decision.REPLAY
    assert idempotency.key_problem("") and not idempotency.key_problem("abc-123")


def test_nested_columns_are_refused_before_the_adapter():
    table = Recorder("t")
    outcome = push({"t": {"created": [{"id": "a", "tags": ["x"]}]}}, [table], no_savepoint)
    assert table.applied == []
    assert "scalars" in outcome.rejections[0].reason
