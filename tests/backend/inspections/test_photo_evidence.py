from datetime import timedelta

from backend.models import MediaObject, Photo
from backend.users.auth import issue_token


def test_a_finding_cannot_attach_photos_its_author_may_not_see(
    client, session, make_jurisdiction, make_enterprise, make_user
):
    district = make_jurisdiction()
    other = make_jurisdiction()
    mine = make_enterprise(district, industry="hazardous_chemicals")
    theirs = make_enterprise(other, industry="hazardous_chemicals")
    inspector = make_user("inspector", jurisdiction=district)
    outsider = make_user("inspector", jurisdiction=other)
    secret = "c" * 64
    session.add(
        MediaObject(
            sha256=secret, size=1, mime="image/jpeg", width=1, height=1, uploaded_by_id=outsider.id
        )
    )
    session.add(Photo(id="theirs", sha256=secret, owner_table="hazards", owner_id=f"h-{theirs.id}"))
    token, _ = issue_token(inspector, ttl=timedelta(hours=1))
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    versions = client.get(f"/api/v1/enterprises/{mine.id}/checklists", headers=headers).json
    duty = next(v for v in versions if v["code"] == "duty31")
    started = client.post(
        "/api/v1/inspections",
        json={"enterprise_id": mine.id, "checklist_version_id": duty["id"], "kind": "supervision"},
        headers=headers,
    )
    url = f"/api/v1/inspections/{started.json['id']}/findings/D01"
    refused = client.put(url, json={"result": "fail", "photos": [secret]}, headers=headers)
    assert refused.status_code == 404
    assert refused.json["errors"][0]["field"] == "photos"
    # Bytes the server does not hold yet may be attached: the device uploads them later.
    pending = client.put(url, json={"result": "fail", "photos": ["d" * 64]}, headers=headers)
    assert pending.status_code == 200
