"""Hypothesis over the WatermelonDB change-set shape `{table: {created, updated, deleted}}`,
pushed with a real device token: never a 5xx, and the well-formed records in the same batch
are kept whatever the adversarial ones beside them carry.

Values: wrong types, huge and nested ones, NaN-like strings, unicode, ids of odd shapes,
device times out of range, unknown tables, columns and operations. Derandomized with a fixed
number of examples, so CI runs the same cases every time (some 10–20 s).
"""

import json
import string
from datetime import timedelta
from itertools import count
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai
from backend.hazards import services as hazards
from backend.inspections import services as inspections
from backend.models import Inspection, SyncRejection
from tests.backend.fixtures.sync import offline_inspection, pull, wuluoshi

PUSHED_TABLES = ("inspections", "findings", "photos", "hazard_actions")
SERVER_TABLES = ("enterprises", "checklists", "hazards", "inspection_plans", "sync_rejections")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a device could send: any unicode but NUL (a NUL anywhere refuses the whole push by
# design; the structural test below sends it), plus the strings that look like something else.
text = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "null",
            "undefined",
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "true",
            "[]",
            "{}",
            '{"owner": 1}',
            "2026-02-30",
            "9999-12-31",
            "0001-01-01",
            "'; DROP TABLE users; --",
            "../../etc/passwd",
            "%s%n",
            "\u202e",
            "甲" * 3000,
        ]
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63, 2**63 - 1, 253_402_300_800_000, 10**20]),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
nested = st.one_of(st.lists(scalars, max_size=3), st.dictionaries(text, scalars, max_size=3))
values = st.one_of(scalars, nested)
odd_ids = st.one_of(
    st.from_regex(r"\Afz[a-zA-Z0-9_.-]{0,62}\Z"),  # valid, never a well-formed record's id
    st.sampled_from(["", ".", "..", "-", "a" * 65, "a b", "ä", "a/b", "a\nb", "null"]),
    text,
    numbers,
    st.none(),
    st.booleans(),
)


def templates(world) -> dict[str, dict]:
    """A well-formed record per pushed table, pointing at the world's real rows."""
    return {
        "inspections": {
            "id": "fz-i",
            "enterprise_id": str(world["inside"].id),
            "checklist_id": world["version_id"],
            "kind": "supervision",
            "started_at": 946_684_800_000,
            "finished_at": None,
            "latitude": 22.8,
            "longitude": 108.3,
        },
        "findings": {
            "id": "fz-f",
            "inspection_id": OPEN,
            "item_code": world["codes"][1],
            "result": "fail",
            "note": "记录",
            "grade": "general",
            "due_on": None,
        },
        "photos": {
            "id": "fz-p",
            "sha256": "ab" * 32,
            "owner_table": "inspections",
            "owner_id": OPEN,
            "taken_at": 946_684_800_000,
            "latitude": 22.8,
            "longitude": 108.3,
        },
        "hazard_actions": {
            "id": "fz-a",
            "hazard_id": world["hazard_id"],
            "action": "reject",
            "note": "仍未整改",
            "due_on": None,
            "plan": '{"owner": "张三"}',
            "created_at": 946_684_800_000,
        },
    }


@st.composite
def mutated(draw, template: dict):
    """A well-formed record with some columns replaced by adversarial values, some dropped,
    some unknown ones added: it gets past the first checks and reaches the domain's."""
    record = dict(template)
    columns = st.lists(st.sampled_from(sorted(template)), min_size=1, max_size=2, unique=True)
    for column in draw(columns):
        change = draw(st.sampled_from(["scalar", "scalar", "scalar", "drop", "nested"]))
        if change == "drop":
            del record[column]
        elif column == "id":
            record[column] = draw(odd_ids)
        else:
            record[column] = draw(scalars if change == "scalar" else nested)
    record.update(draw(st.dictionaries(text, scalars, max_size=2)))
    if "id" in template and draw(st.booleans()):
        record["id"] = draw(st.from_regex(r"\Afz[a-zA-Z0-9_.-]{0,20}\Z"))
    return record


def wild_records(world):
    """Any columns, any values, some of them real references."""
    columns = sorted({column for template in world["templates"].values() for column in template})
    return st.dictionaries(
        st.one_of(st.sampled_from([*columns, "_status", "_changed"]), text),
        st.one_of(values, st.sampled_from(world["references"])),
        max_size=8,
    )


@st.composite
def change_sets(draw, world):
    changes = {}
    for table in draw(st.lists(st.sampled_from(PUSHED_TABLES), max_size=4, unique=True)):
        near = mutated(world["templates"][table])
        records = st.lists(st.one_of(near, near, wild_records(world)), max_size=4)
        changes[table] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "created": records,
                    "updated": records,
                    "deleted": st.lists(st.one_of(odd_ids.filter(_is_text), text), max_size=3),
                },
            )
        )
    others = st.one_of(st.sampled_from(SERVER_TABLES), text)
    operations = st.fixed_dictionaries(
        {}, optional={"created": st.lists(wild_records(world), max_size=2)}
    )
    changes.update(draw(st.dictionaries(others, operations, max_size=2)))
    return changes


def _is_text(value) -> bool:
    return isinstance(value, str)


OPEN = "fuzz-open"  # an open inspection of the pushing inspector, which findings and photos hit


@pytest.fixture
def fuzz_world(client, session, sync_world, device):
    inspector, inside = sync_world["inspector"], sync_world["inside"]
    headers = device(inspector, "dev-fuzz")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)
    inspections.start_inspection(
        inspector,
        id=OPEN,
        enterprise_id=inside.id,
        checklist_version_id=version_id,
        kind="supervision",
    )
    hazard = hazards.report_hazard(
        inspector,
        enterprise_id=inside.id,
        title="消防通道堵塞",
        due_on=today_in_shanghai() + timedelta(days=7),
    )
    session.commit()
    world = {
        "headers": headers,
        "inside": inside,
        "version_id": version_id,
        "codes": codes,
        "hazard_id": hazard.id,
        "last": pull(client, headers)["timestamp"],
        "numbers": count(1),
    }
    world["references"] = [
        str(inside.id),
        inside.id,
        str(sync_world["outside"].id),
        version_id,
        codes[0],
        OPEN,
        hazard.id,
        "supervision",
        "findings",
        "verify",
        "ab" * 32,
    ]
    world["templates"] = templates(world)
    return world


def _with_well_formed_inspection(changes: dict, world) -> tuple[dict, str]:
    """The change set with a whole offline inspection (and its findings) mixed in."""
    prefix = f"good{next(world['numbers'])}"
    good = offline_inspection(world["inside"], world["version_id"], world["codes"], prefix=prefix)
    for table in good:
        target = changes.setdefault(table, {})
        target["created"] = [*good[table]["created"], *target.get("created", [])]
    return changes, prefix


def _reason(session, record_id, table="inspections") -> str | None:
    """Why a refused record was refused, as kept (table and id as stored: 64 characters)."""
    return session.scalar(
        select(SyncRejection.reason).where(
            SyncRejection.table_name == table[:64], SyncRejection.record_id == record_id[:64]
        )
    )


def _post(client, world, body: str, last="auto", headers=None):
    value = world["last"] if last == "auto" else last
    query = "" if last is None else f"?last_pulled_at={quote(str(value))}"
    return client.post(
        f"/api/v1/sync{query}",
        data=body,
        content_type="application/json",
        headers={**world["headers"], **(headers or {})},
    )


def test_fuzzed_records_are_refused_alone_and_the_well_formed_ones_land(
    client, session, fuzz_world
):
    @FUZZ
    @given(changes=change_sets(fuzz_world), last=st.sampled_from(["auto", None, "0", "null"]))
    def check(changes, last):
        changes, prefix = _with_well_formed_inspection(changes, fuzz_world)
        response = _post(client, fuzz_world, json.dumps(changes), last)
        if response.status_code == 409:
            # A fuzzed record hit one an earlier example changed after the device's pull: the
            # protocol refuses the whole push, so nothing of it is kept.
            assert response.mimetype == PROBLEM_MIME
            assert session.get(Inspection, prefix) is None
            return
        assert response.status_code == 200, response.get_data(as_text=True)
        rejected = response.json["experimentalRejectedIds"]
        good_ids = {prefix, *(f"{prefix}-f{n}" for n in range(len(fuzz_world["codes"])))}
        assert not good_ids & {i for ids in rejected.values() for i in ids}, rejected
        assert session.get(Inspection, prefix).status == "finished"
        for table, ids in rejected.items():
            for record_id in ids:
                assert _reason(session, record_id, table), (table, record_id)

    check()


@st.composite
def broken_bodies(draw):
    """Bodies whose shape is wrong: not an object, tables or operations of the wrong type, NUL
    characters, non-finite numbers, deep nesting, not JSON at all."""
    shape = st.one_of(
        st.none(),
        st.booleans(),
        numbers,
        text,
        st.lists(scalars, max_size=3),
        st.dictionaries(text, st.one_of(scalars, st.lists(scalars, max_size=2)), min_size=1),
        st.dictionaries(
            st.sampled_from(PUSHED_TABLES),
            st.dictionaries(
                st.sampled_from(["created", "updated", "deleted", "moved", ""]),
                st.one_of(scalars, st.lists(st.one_of(scalars, st.lists(scalars)), max_size=3)),
                min_size=1,
            ),
            min_size=1,
        ),
    )
    kind = draw(st.sampled_from(["json", "nul", "nan", "deep", "raw"]))
    if kind == "json":
        return json.dumps(draw(shape))
    if kind == "nul":
        return json.dumps({"inspections": {"created": [{"id": "a", "note": "x\x00y"}]}})
    if kind == "nan":
        value = draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
        return f'{{"inspections": {{"created": [{{"id": "a", "latitude": {value}}}]}}}}'
    if kind == "deep":
        depth = draw(st.integers(min_value=50, max_value=5000))
        return "[" * depth + "]" * depth
    return draw(st.text(string.printable, max_size=60))


def test_a_malformed_push_body_is_a_4xx_problem_never_a_5xx(client, fuzz_world):
    @FUZZ
    @given(
        body=broken_bodies(),
        last=st.one_of(st.sampled_from(["auto", None]), text),
        key=st.one_of(st.none(), text, st.text(max_size=300)),
    )
    def check(body, last, key):
        headers = {"Idempotency-Key": key} if key is not None else {}
        try:
            response = _post(client, fuzz_world, body, last, headers)
        except ValueError:
            return  # the test client itself refuses a header or URL no HTTP client can send
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400:
            assert response.mimetype == PROBLEM_MIME

    check()


@pytest.mark.parametrize("kind", [None, "", "foo", 1, True])
def test_an_inspection_of_an_unknown_kind_is_refused_not_a_500(client, session, fuzz_world, kind):
    """Found by the fuzz run above: the kind was only checked by the REST schema."""
    record = {**fuzz_world["templates"]["inspections"], "id": "fz-kind", "kind": kind}
    changes = {"inspections": {"created": [record], "updated": [], "deleted": []}}
    response = _post(client, fuzz_world, json.dumps(changes))
    assert response.status_code == 200
    assert response.json["experimentalRejectedIds"] == {"inspections": ["fz-kind"]}
    assert "kind must be one of supervision, self_inspection" in _reason(session, "fz-kind")
