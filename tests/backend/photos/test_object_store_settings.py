"""Object-store settings for real providers (issue 20 item 4): addressing style, region and the
signed URLs' lifetime reach boto3; Aliyun OSS needs virtual-hosted style, MinIO path style."""

from urllib.parse import parse_qs, urlsplit

import pytest

from backend.config import ConfigError, load_config
from media.storage import storage_from_config

SHA = "ab" * 32
KEY = f"originals/ab/{'ab' * 31}"


def s3_settings(**overrides) -> dict:
    return {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "xuncha-photos",
        "S3_ACCESS_KEY_ID": "access",
        "S3_SECRET_ACCESS_KEY": "secret",
        **overrides,
    }


def test_aliyun_oss_is_addressed_virtual_hosted():
    storage = storage_from_config(
        s3_settings(
            S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
            S3_REGION="oss-cn-hangzhou",
            S3_ADDRESSING_STYLE="virtual",
        )
    )
    url = urlsplit(storage.signed_url(KEY, 300))

    assert storage.client.meta.config.s3 == {"addressing_style": "virtual"}
    assert storage.client.meta.region_name == "oss-cn-hangzhou"
    assert url.netloc == "xuncha-photos.oss-cn-hangzhou.aliyuncs.com"
    assert url.path == f"/{KEY}"


def test_minio_is_addressed_path_style_by_default():
    storage = storage_from_config(s3_settings(S3_ENDPOINT_URL="http://minio.internal:9000"))
    url = urlsplit(storage.signed_url(KEY, 300))

    assert storage.client.meta.config.s3 == {"addressing_style": "path"}
    assert url.netloc == "minio.internal:9000"
    assert url.path == f"/xuncha-photos/{KEY}"


def test_signed_urls_live_as_long_as_configured(app, session, monkeypatch):
    from backend.photos import services as photos

    storage = storage_from_config(s3_settings(S3_ENDPOINT_URL="http://minio.internal:9000"))
    monkeypatch.setitem(app.config, "S3_SIGNED_URL_SECONDS", 120)
    url = storage.signed_url(KEY, int(app.config["S3_SIGNED_URL_SECONDS"]))

    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["120"]
    assert "S3_ADDRESSING_STYLE" in photos.STORAGE_SETTINGS  # a change builds a new client


def test_an_unknown_addressing_style_is_refused_at_start():
    with pytest.raises(ConfigError, match="S3_ADDRESSING_STYLE"):
        load_config({"S3_ADDRESSING_STYLE": "dns", "TESTING": True})
    assert (
        load_config({"S3_ADDRESSING_STYLE": "virtual", "TESTING": True})["S3_ADDRESSING_STYLE"]
        == "virtual"
    )
