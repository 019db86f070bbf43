"""整改复查意见书: once every item of the order is verified (closed) or past its deadline, an
official records per item whether it was rectified — from the hazards' states — numbered."""

from datetime import timedelta

from sqlalchemy import select

from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard

from .conftest import OFFICIALS


def hazards_of(session, order):
    ids = [item["hazard_id"] for item in order.items]
    return session.scalars(select(Hazard).where(Hazard.id.in_(ids)).order_by(Hazard.item_code))


def review(client, world, order, role="inspector"):
    return client.post(
        "/api/v1/enforcement/reviews",
        json={"order_id": order.id, "official_names": OFFICIALS},
        headers=world["headers"][role],
    )


def test_the_review_reads_rectified_from_the_hazards(client, session, world, make_order):
    order = make_order()
    closed, late = hazards_of(session, order)
    closed.status = "closed"
    late.status = "rectifying"
    late.due_on = today_in_shanghai() - timedelta(days=1)
    session.commit()
    response = review(client, world, order)
    assert response.status_code == 201, response.json
    opinion = response.json
    assert opinion["number"].startswith("（D应急）复查〔")
    by_hazard = {item["hazard_id"]: item for item in opinion["items"]}
    assert by_hazard[closed.id]["rectified"] is True
    assert by_hazard[late.id]["rectified"] is False
    assert by_hazard[late.id]["hazard_status_label"] == "整改中"
    pdf = client.get(
        f"/api/v1/enforcement/reviews/{opinion['id']}/document.pdf",
        headers=world["headers"]["manager"],
    )
    assert pdf.status_code == 200
    again = review(client, world, order, "supervisor")
    assert again.status_code == 409


def test_not_before_every_item_is_settled(client, session, world, make_order):
    order = make_order()
    first, second = hazards_of(session, order)
    first.status = "closed"
    second.status = "submitted"
    session.commit()
    waiting = review(client, world, order)
    assert waiting.status_code == 422
    assert waiting.json["errors"][0]["field"] == "order_id"
    second.status = "rectifying"  # and within its deadline
    session.commit()
    assert review(client, world, order).status_code == 422


def test_who_may_review(client, session, world, make_order):
    order = make_order()
    for hazard in hazards_of(session, order):
        hazard.status = "closed"
    session.commit()
    assert review(client, world, order, "manager").status_code == 403
    assert review(client, world, order, "other_supervisor").status_code == 404
    assert review(client, world, order, "street_supervisor").status_code == 201
