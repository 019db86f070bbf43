"""The portal checks role and state before it stores a photo (security issue #13, row 11):
a refused rectification leaves no bytes behind."""

from pathlib import Path

import pytest

from tests.backend.fixtures.media import jpeg
from tests.backend.web.test_pages import _file, csrf_from, log_in, text


@pytest.fixture
def media_root(app, tmp_path, monkeypatch) -> Path:
    """A media folder of this test's own, so that what it finds there is what this test stored."""
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def stored_objects(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def post_rectification(client, hazard, **fields):
    token = csrf_from(client, f"/portal/hazards/{hazard.id}")
    return client.post(
        f"/portal/hazards/{hazard.id}/rectification",
        data={"csrf_token": token, "photos": [(_file(jpeg()), "after.jpg")], **fields},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("who", "status", "grade", "expected", "said"),
    [
        ("viewer", "rectifying", "general", 403, "无权"),  # a role that may not submit
        ("manager", "submitted", "general", 409, ""),  # a state submit does not start from
        ("manager", "reported", "major", 422, "请先填写整改方案"),  # the plan is incomplete
    ],
)
def test_a_refused_rectification_stores_no_photo(
    client, media_root, world, make_hazard, who, status, grade, expected, said
):
    hazard = make_hazard(status, grade=grade)
    log_in(client, "portal", world["users"][who])

    response = post_rectification(client, hazard, plan_owner="周工")

    assert response.status_code == expected, text(response)[:300]
    assert said in text(response)
    assert stored_objects(media_root) == []


def test_an_accepted_rectification_stores_its_photo(client, media_root, world, make_hazard):
    hazard = make_hazard("reported")
    log_in(client, "portal", world["users"]["manager"])

    response = post_rectification(client, hazard, plan_owner="周工")

    assert response.status_code == 302, text(response)[:300]
    assert len(stored_objects(media_root)) == 3  # the original, its thumb and preview
