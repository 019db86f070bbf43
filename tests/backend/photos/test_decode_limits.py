"""Decode cost through the API (security issue #13, row 13): bombs are refused naming the
field, and a request that cannot get a decode slot in time is a 503 with Retry-After."""

import pytest
from sqlalchemy import func, select

from backend.models import MediaObject
from backend.photos import services as photos
from media.tus import format_upload_metadata
from tests.backend.fixtures.media import (
    assert_problem,
    jpeg,
    png_claiming,
    put_photo,
    sha256_of,
)

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def headers(make_jurisdiction, make_user, auth_header):
    street = make_jurisdiction("street", make_jurisdiction())
    return auth_header(make_user("inspector", jurisdiction=street))


@pytest.fixture
def all_slots_taken(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DECODE_SLOTS", 1)
    monkeypatch.setitem(app.config, "MEDIA_DECODE_WAIT_SECONDS", 0.05)
    with app.app_context():
        slots = photos.decode_slots()
    with slots.hold():
        yield


def media_count(session) -> int:
    return session.scalar(select(func.count()).select_from(MediaObject))


def test_a_decompression_bomb_is_refused_naming_the_file(client, session, headers):
    bomb = png_claiming(6000, 6000)

    body = assert_problem(put_photo(client, headers, bomb), 422, "implausible_compression")

    assert body["errors"][0]["field"] == "file"
    assert media_count(session) == 0


def test_the_ratio_bound_is_configurable(client, app, headers, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DECODE_RATIO_FREE_BYTES", 0)
    monkeypatch.setitem(app.config, "MEDIA_MAX_DECODE_RATIO", 1)

    assert_problem(put_photo(client, headers, jpeg()), 422, "implausible_compression")


def test_no_decode_slot_in_time_is_a_503_with_retry_after(
    client, session, headers, all_slots_taken
):
    response = put_photo(client, headers, jpeg())

    body = assert_problem(response, 503, "decoder_busy")
    assert int(response.headers["Retry-After"]) > 0
    assert "retry" in body["detail"]
    assert media_count(session) == 0


def test_a_slot_free_again_takes_the_upload(client, app, headers, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DECODE_SLOTS", 1)
    monkeypatch.setitem(app.config, "MEDIA_DECODE_WAIT_SECONDS", 0.05)

    assert put_photo(client, headers, jpeg()).status_code == 201
    assert put_photo(client, headers, jpeg()).status_code == 201


def test_a_busy_decoder_keeps_a_finished_tus_upload_for_a_retry(
    client, app, session, headers, monkeypatch
):
    data = jpeg()
    tus = {**headers, **TUS}
    created = client.post(
        "/api/v1/uploads",
        headers={
            **tus,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": format_upload_metadata({"sha256": sha256_of(data)}),
        },
    )
    location = created.headers["Location"]
    patch = {**tus, "Content-Type": "application/offset+octet-stream"}
    monkeypatch.setitem(app.config, "MEDIA_DECODE_SLOTS", 1)
    monkeypatch.setitem(app.config, "MEDIA_DECODE_WAIT_SECONDS", 0.05)
    with app.app_context():
        slots = photos.decode_slots()

    with slots.hold():
        busy = client.patch(location, data=data, headers={**patch, "Upload-Offset": "0"})
    assert_problem(busy, 503, "decoder_busy")
    held = client.head(location, headers=tus)
    assert held.status_code == 200 and held.headers["Upload-Offset"] == str(len(data))

    retried = client.patch(location, data=b"", headers={**patch, "Upload-Offset": str(len(data))})

    assert retried.status_code == 204, retried.data[:300]
    assert session.get(MediaObject, sha256_of(data)) is not None
