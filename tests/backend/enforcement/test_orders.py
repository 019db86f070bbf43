"""责令限期整改指令书: issued from a finished supervision inspection's failed items by its
inspector or a supervisor, each item with its text, the checklist's legal basis and the
hazard's deadline; two officials sign; the receipt is recorded later."""

from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard

from .conftest import OFFICIALS


def test_the_order_lists_each_failed_item_with_its_basis_and_deadline(
    client, world, failed_inspection
):
    response = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": failed_inspection.id, "official_names": OFFICIALS},
        headers=world["headers"]["inspector"],
    )
    assert response.status_code == 201, response.json
    order = response.json
    assert order["number"].startswith("（D应急）责改〔")
    assert order["number"].endswith("〕1号")
    assert order["official_names"] == OFFICIALS
    assert order["authority"] == "D区应急管理局"
    assert len(order["items"]) == 2
    for item in order["items"]:
        assert item["legal_basis"]  # from the checklist content's legal_basis title
        assert item["text"]


def test_items_carry_the_hazards_deadlines_and_the_checklists_basis(
    session, world, make_order, failed_inspection
):
    order = make_order()
    hazards = session.scalars(
        select(Hazard).where(Hazard.inspection_id == failed_inspection.id)
    ).all()
    by_id = {hazard.id: hazard for hazard in hazards}
    assert {item["hazard_id"] for item in order.items} == set(by_id)
    for item in order.items:
        hazard = by_id[item["hazard_id"]]
        assert item["due_on"] == hazard.due_on.isoformat()
        assert item["legal_basis"] == hazard.legal_basis["title"]
        assert item["item_code"] == hazard.item_code


def test_orders_are_numbered_one_after_the_other(session, world, make_order):
    from tests.backend.fixtures.credit import finish_inspection

    first = make_order()
    other = finish_inspection(
        world["users"]["inspector"], world["enterprises"]["ent"], session, fail_major=1
    )
    second = make_order(inspection=other)
    assert second.serial == first.serial + 1
    assert second.number_year == first.number_year


def test_one_order_per_inspection(client, world, make_order, failed_inspection):
    make_order()
    again = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": failed_inspection.id, "official_names": OFFICIALS},
        headers=world["headers"]["supervisor"],
    )
    assert again.status_code == 409
    assert again.mimetype == PROBLEM_MIME


def test_who_may_issue(client, world, failed_inspection):
    body = {"inspection_id": failed_inspection.id, "official_names": OFFICIALS}
    expected = {
        "manager": 403,
        "admin": 403,
        "other_inspector": 404,
        "other_supervisor": 404,
        "manager2": 404,
        "street_supervisor": 201,
    }
    for role, status in expected.items():
        response = client.post(
            "/api/v1/enforcement/orders", json=body, headers=world["headers"][role]
        )
        assert response.status_code == status, (role, response.json)


def test_another_inspector_in_scope_may_not_issue_someone_elses(
    client, world, make_user, auth_header, failed_inspection
):
    colleague = make_user("inspector", jurisdiction=world["nodes"]["d"])
    response = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": failed_inspection.id, "official_names": OFFICIALS},
        headers=auth_header(colleague),
    )
    assert response.status_code == 403


def test_bad_input_names_the_field(client, world, failed_inspection, session):
    from tests.backend.fixtures.credit import finish_inspection

    headers = world["headers"]["inspector"]
    one_official = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": failed_inspection.id, "official_names": ["王执法"]},
        headers=headers,
    )
    assert one_official.status_code == 422
    assert "official_names" in str(one_official.json["errors"])
    same_twice = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": failed_inspection.id, "official_names": ["王执法", "王执法"]},
        headers=headers,
    )
    assert same_twice.status_code == 422
    assert same_twice.json["errors"][0]["field"] == "official_names"
    passed = finish_inspection(world["users"]["inspector"], world["enterprises"]["ent"], session)
    nothing = client.post(
        "/api/v1/enforcement/orders",
        json={"inspection_id": passed.id, "official_names": OFFICIALS},
        headers=headers,
    )
    assert nothing.status_code == 422
    assert nothing.json["errors"][0]["field"] == "inspection_id"


def test_the_receipt_is_recorded_later(client, world, make_order):
    order = make_order()
    today = today_in_shanghai().isoformat()
    response = client.post(
        f"/api/v1/enforcement/orders/{order.id}/receipt",
        json={"receiver_name": "李四", "received_on": today},
        headers=world["headers"]["inspector"],
    )
    assert response.status_code == 200, response.json
    assert response.json["receiver_name"] == "李四"
    by_enterprise = client.post(
        f"/api/v1/enforcement/orders/{order.id}/receipt",
        json={"receiver_name": "李四", "received_on": today},
        headers=world["headers"]["manager"],
    )
    assert by_enterprise.status_code == 403


def test_enterprises_see_their_own_orders_only(client, world, make_order):
    order = make_order()
    for role, visible in {
        "manager": True,
        "viewer": True,
        "supervisor": True,
        "inspector": True,
        "manager2": False,
        "other_manager": False,
        "other_supervisor": False,
    }.items():
        headers = world["headers"][role]
        listed = client.get("/api/v1/enforcement/orders", headers=headers).json
        assert ([o["id"] for o in listed] == [order.id]) is visible, role
        one = client.get(f"/api/v1/enforcement/orders/{order.id}", headers=headers)
        assert one.status_code == (200 if visible else 404), role
        pdf = client.get(f"/api/v1/enforcement/orders/{order.id}/document.pdf", headers=headers)
        assert pdf.status_code == (200 if visible else 404), role
