"""Attachments made before the server holds the bytes (security issue #13, row 7): they give
sight of the bytes only once their own creator uploaded them."""

from backend.models import MediaObject, Photo
from backend.photos import services as photos
from tests.backend.fixtures.media import (
    assert_problem,
    attach,
    finding_of,
    hazard_of,
    jpeg,
    put_photo,
    sha256_of,
)


def url(sha: str, variant: str = "original") -> str:
    return f"/api/v1/media/{sha}?variant={variant}"


def test_a_hash_claimed_before_upload_gives_the_claimer_no_sight(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    their_hazard = hazard_of(session, site["b"], site["inspector_elsewhere"])
    (claim,) = attach(session, site["manager_b"], "hazards", their_hazard.id, sha)
    assert claim.attached_before_upload

    # The inspector of enterprise A uploads the bytes later and attaches them to his finding.
    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201
    finding = finding_of(session, site["a"], site["inspector"])
    attach(session, site["inspector"], "findings", finding.id, sha)

    for variant in ("original", "preview", "thumb"):
        assert_problem(client.get(url(sha, variant), headers=site["headers"]["manager_b"]), 404)
    assert_problem(client.get(url(sha), headers=site["headers"]["inspector_elsewhere"]), 404)
    for who in ("inspector", "manager_a"):
        assert client.get(url(sha), headers=site["headers"][who]).data == data, who
    # The claim does not put enterprise B on the stamp either, though it is the oldest.
    stamp = photos.evidence_stamp(session.get(MediaObject, sha))
    assert stamp.enterprise == site["a"].name


def test_a_claim_on_bytes_nobody_attached_gives_no_stamp(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    their_hazard = hazard_of(session, site["b"], site["inspector_elsewhere"])
    attach(session, site["manager_b"], "hazards", their_hazard.id, sha)

    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201

    assert photos.evidence_stamp(session.get(MediaObject, sha)) is None
    assert_problem(client.get(url(sha), headers=site["headers"]["manager_b"]), 404)


def test_offline_attachment_then_own_upload_is_seen_by_all_who_see_the_record(
    client, session, site
):
    data = jpeg()
    sha = sha256_of(data)
    finding = finding_of(session, site["a"], site["inspector"])
    (offline,) = attach(session, site["inspector"], "findings", finding.id, sha)
    assert offline.attached_before_upload

    assert put_photo(client, site["headers"]["inspector"], data).status_code == 201

    for who in ("inspector", "supervisor", "manager_a", "viewer_a"):
        assert client.get(url(sha), headers=site["headers"][who]).data == data, who
    for who in ("manager_b", "inspector_elsewhere"):
        assert_problem(client.get(url(sha), headers=site["headers"][who]), 404)
    assert photos.evidence_stamp(session.get(MediaObject, sha)).inspector == "王检查"


def test_an_attachment_made_once_the_bytes_are_held_works_as_before(client, session, site):
    data = jpeg()
    sha = sha256_of(data)
    assert put_photo(client, site["headers"]["manager_a"], data).status_code == 201
    hazard = hazard_of(session, site["a"], site["inspector"])

    (photo,) = attach(session, site["manager_a"], "hazards", hazard.id, sha)

    assert not photo.attached_before_upload
    assert client.get(url(sha), headers=site["headers"]["inspector"]).data == data


def test_an_attachment_whose_creator_and_uploader_are_unknown_gives_no_sight(client, session, site):
    """A deleted user leaves both ids empty: two unknowns are not the same person."""
    data = jpeg()
    sha = sha256_of(data)
    finding = finding_of(session, site["a"], site["inspector"])
    session.add(
        Photo(
            id="claimed-by-nobody",
            sha256=sha,
            owner_table="findings",
            owner_id=finding.id,
            attached_before_upload=True,
        )
    )
    session.commit()
    assert put_photo(client, site["headers"]["manager_b"], data).status_code == 201
    session.get(MediaObject, sha).uploaded_by_id = None
    session.commit()

    assert_problem(client.get(url(sha), headers=site["headers"]["inspector"]), 404)
