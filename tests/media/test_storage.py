import io
import socket
import urllib.request

import boto3
import pytest

from media.errors import InvalidDigest, ObjectNotFound
from media.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    derivative_key,
    original_key,
    storage_from_config,
)

DIGEST = "ab" + "c" * 62
BUCKET = "xuncha-test"


# --- keys -----------------------------------------------------------------------------------


def test_original_key_is_a_sharded_content_address():
    assert original_key(DIGEST) == f"originals/ab/{'c' * 62}"
    assert original_key(DIGEST.upper()) == original_key(DIGEST)


def test_derivative_key_names_the_variant():
    assert derivative_key(DIGEST, "thumb") == f"thumb/ab/{'c' * 62}.jpg"
    assert derivative_key(DIGEST, "preview") == f"preview/ab/{'c' * 62}.jpg"
    with pytest.raises(ValueError):
        derivative_key(DIGEST, "huge")


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64, "../" + "a" * 61])
def test_keys_refuse_anything_but_a_sha256(bad):
    with pytest.raises(InvalidDigest) as caught:
        original_key(bad)
    assert caught.value.field == "sha256"
    assert caught.value.code == "invalid_digest"


# --- local ----------------------------------------------------------------------------------


def test_local_round_trip_from_path_and_from_stream(tmp_path):
    storage = LocalStorage(tmp_path / "objects")
    source = tmp_path / "photo.bin"
    source.write_bytes(b"evidence" * 1000)

    storage.put_file("originals/ab/one", source)
    storage.put_file("originals/ab/two", io.BytesIO(b"second"))

    assert isinstance(storage, Storage)
    assert storage.exists("originals/ab/one")
    assert storage.size("originals/ab/one") == 8000
    with storage.open("originals/ab/one") as stored:
        assert stored.read() == b"evidence" * 1000
    with storage.open("originals/ab/two") as stored:
        assert stored.read() == b"second"
    assert storage.signed_url("originals/ab/one", 60) is None

    storage.delete("originals/ab/one")
    assert not storage.exists("originals/ab/one")
    storage.delete("originals/ab/one")  # deleting twice is fine


def test_local_write_leaves_no_temp_files_and_replaces_atomically(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put_file("thumb/ab/x.jpg", io.BytesIO(b"old"))
    storage.put_file("thumb/ab/x.jpg", io.BytesIO(b"new"))

    assert [p.name for p in (tmp_path / "thumb" / "ab").iterdir()] == ["x.jpg"]
    assert (tmp_path / "thumb" / "ab" / "x.jpg").read_bytes() == b"new"


def test_local_failed_write_keeps_the_old_object_and_no_temp_file(tmp_path):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise ConnectionResetError("client went away")

    storage = LocalStorage(tmp_path)
    storage.put_file("originals/ab/x", io.BytesIO(b"kept"))
    with pytest.raises(ConnectionResetError):
        storage.put_file("originals/ab/x", Broken())

    assert [p.name for p in (tmp_path / "originals" / "ab").iterdir()] == ["x"]
    assert storage.open("originals/ab/x").read() == b"kept"


def test_local_missing_object(tmp_path):
    storage = LocalStorage(tmp_path)
    assert not storage.exists("originals/ab/none")
    with pytest.raises(ObjectNotFound):
        storage.open("originals/ab/none")
    with pytest.raises(ObjectNotFound):
        storage.size("originals/ab/none")


@pytest.mark.parametrize("key", ["../escape", "originals/../../etc/passwd", "/abs", "a//b", ""])
def test_local_refuses_keys_escaping_the_root(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put_file(key, io.BytesIO(b"x"))


# --- config ---------------------------------------------------------------------------------


def test_storage_from_config_defaults_to_local(tmp_path):
    storage = storage_from_config({"MEDIA_ROOT": str(tmp_path)})
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path


def test_storage_from_config_builds_s3():
    storage = storage_from_config(
        {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": "photos",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "S3_REGION": "cn-north-1",
            "S3_ACCESS_KEY_ID": "key",
            "S3_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert isinstance(storage, S3Storage)
    assert storage.bucket == "photos"
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert storage.client.meta.region_name == "cn-north-1"


@pytest.mark.parametrize(
    "config", [{"MEDIA_STORAGE": "s3"}, {"MEDIA_STORAGE": "ftp", "MEDIA_ROOT": "/tmp"}]
)
def test_storage_from_config_refuses_incomplete_or_unknown_settings(config):
    with pytest.raises(ValueError):
        storage_from_config(config)


# --- S3 against a real (moto) server ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield S3Storage(
        BUCKET,
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        multipart_threshold=5 * 1024 * 1024,
    )
    for listed in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=listed["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_s3_round_trip_with_signed_url(s3_storage, tmp_path):
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8\xff" + b"jpeg bytes" * 100)
    key = original_key(DIGEST)

    assert not s3_storage.exists(key)
    s3_storage.put_file(key, source, content_type="image/jpeg")

    assert s3_storage.exists(key)
    assert s3_storage.size(key) == source.stat().st_size
    assert s3_storage.open(key).read() == source.read_bytes()
    url = s3_storage.signed_url(key, expires_s=300)
    assert "X-Amz-Signature" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == source.read_bytes()
        assert response.headers["Content-Type"] == "image/jpeg"

    s3_storage.delete(key)
    assert not s3_storage.exists(key)
    with pytest.raises(ObjectNotFound):
        s3_storage.open(key)
    with pytest.raises(ObjectNotFound):
        s3_storage.size(key)


def test_s3_big_file_goes_up_in_parts(s3_storage):
    data = bytes(range(256)) * (6 * 1024 * 1024 // 256 + 1)
    key = original_key(DIGEST)

    s3_storage.put_file(key, io.BytesIO(data))

    head = s3_storage.client.head_object(Bucket=BUCKET, Key=key)
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload of two parts
    assert s3_storage.open(key).read() == data
