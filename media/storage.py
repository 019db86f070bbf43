"""Content-addressed object storage: a local folder or an S3-compatible bucket.

Keys are derived from the sha256 of the original bytes, so the same photo is stored once no
matter how many records point at it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from media.errors import InvalidDigest, ObjectNotFound

COPY_CHUNK = 1024 * 1024
MULTIPART_CHUNK = 8 * 1024 * 1024
VARIANTS = ("thumb", "preview")
# Where each kind of object lives: originals/ab/cdef..., thumb/ab/cdef....jpg, preview/...
CONTENT_PREFIXES = ("originals/", *(f"{variant}/" for variant in VARIANTS))

SHA256_PATTERN = r"[0-9a-f]{64}"  # the content address of a photo: lowercase hex
_SHA256 = re.compile(SHA256_PATTERN)
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")

Source = str | os.PathLike[str] | BinaryIO


def is_sha256(value) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def normalize_sha256(value: str, field: str = "sha256") -> str:
    digest = value.strip().lower() if isinstance(value, str) else ""
    if not _SHA256.fullmatch(digest):
        raise InvalidDigest("expected a sha256 as 64 hexadecimal characters", field=field)
    return digest


def original_key(sha256: str) -> str:
    digest = normalize_sha256(sha256)
    return f"originals/{digest[:2]}/{digest[2:]}"


def derivative_key(sha256: str, variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    digest = normalize_sha256(sha256)
    return f"{variant}/{digest[:2]}/{digest[2:]}.jpg"


def sha256_of_key(key: str) -> str | None:
    """The content address an original's or a derivative's key was made from (None for any
    other key): the inverse of ``original_key`` and ``derivative_key``."""
    parts = key.split("/")
    if len(parts) != 3 or f"{parts[0]}/" not in CONTENT_PREFIXES:
        return None
    rest = parts[2] if parts[0] == "originals" else parts[2].removesuffix(".jpg")
    digest = parts[1] + rest
    if not is_sha256(digest) or key not in _keys_of(digest):
        return None
    return digest


def _keys_of(sha256: str) -> tuple[str, ...]:
    return (original_key(sha256), *(derivative_key(sha256, variant) for variant in VARIANTS))


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified_at: datetime  # aware, UTC


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root or confuse an object store."""
    if not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


@runtime_checkable
class Storage(Protocol):
    def put_file(self, key: str, source: Source, content_type: str | None = None) -> None: ...

    def exists(self, key: str) -> bool: ...

    def open(self, key: str) -> BinaryIO: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def signed_url(self, key: str, expires_s: int) -> str | None: ...

    def iter_objects(self, prefix: str) -> Iterator[StoredObject]: ...

    def modified_at(self, key: str) -> datetime | None: ...


def _is_path(source: Source) -> bool:
    return isinstance(source, str | os.PathLike)


class LocalStorage:
    """Objects as files under ``root``; writes are atomic (temp file + os.replace)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.spool_dir = self.root / "tmp"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, source: Source, content_type: str | None = None) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as temp:
                self._copy_into(source, temp)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @staticmethod
    def _copy_into(source: Source, temp: BinaryIO) -> None:
        if _is_path(source):
            with open(source, "rb") as src:
                shutil.copyfileobj(src, temp, COPY_CHUNK)
        else:
            shutil.copyfileobj(source, temp, COPY_CHUNK)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(f"no stored object {key}") from None

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectNotFound(f"no stored object {key}") from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def signed_url(self, key: str, expires_s: int) -> str | None:
        return None

    def iter_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with ``prefix`` (a folder such as ``originals/``);
        temporary files of writes in progress are not objects."""
        folder = self.root / check_key(prefix.rstrip("/"))
        for path in folder.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key) and path.is_file():
                modified_at = self.modified_at(key)
                if modified_at is not None:
                    yield StoredObject(key, modified_at)

    def modified_at(self, key: str) -> datetime | None:
        try:
            return datetime.fromtimestamp(self.path(key).stat().st_mtime, UTC)
        except FileNotFoundError:
            return None


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, OSS/COS S3 gateways) via boto3."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        client=None,
        multipart_threshold: int = MULTIPART_CHUNK,
        addressing_style: str = "path",
    ) -> None:
        self.bucket = bucket
        self.client = client or _make_s3_client(
            endpoint_url, region, access_key, secret_key, addressing_style
        )
        self.spool_dir = None
        self._transfer_config = _make_transfer_config(multipart_threshold)

    def put_file(self, key: str, source: Source, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else None
        if _is_path(source):
            self.client.upload_file(
                os.fspath(source),
                self.bucket,
                check_key(key),
                ExtraArgs=extra,
                Config=self._transfer_config,
            )
        else:
            self.client.upload_fileobj(
                source, self.bucket, check_key(key), ExtraArgs=extra, Config=self._transfer_config
            )

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ObjectNotFound:
            return False
        return True

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except self.client.exceptions.NoSuchKey:
            raise ObjectNotFound(f"no stored object {key}") from None
        return response["Body"]

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def signed_url(self, key: str, expires_s: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": check_key(key)},
            ExpiresIn=int(expires_s),
        )

    def iter_objects(self, prefix: str) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield StoredObject(item["Key"], item["LastModified"])

    def modified_at(self, key: str) -> datetime | None:
        try:
            return self._head(key)["LastModified"]
        except ObjectNotFound:
            return None

    def _head(self, key: str) -> dict:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _is_not_found(error):
                raise ObjectNotFound(f"no stored object {key}") from None
            raise


def _is_not_found(error) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


ADDRESSING_STYLES = ("path", "virtual")


def _make_s3_client(endpoint_url, region, access_key, secret_key, addressing_style="path"):
    import boto3
    from botocore.config import Config

    # Path-style (endpoint/bucket/key) works with MinIO and most gateways; Aliyun OSS accepts
    # only virtual-hosted style (bucket.endpoint/key).
    if addressing_style not in ADDRESSING_STYLES:
        raise ValueError(f"addressing style must be path or virtual, not {addressing_style!r}")
    config = Config(signature_version="s3v4", s3={"addressing_style": addressing_style})
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=config,
    )


def _make_transfer_config(multipart_threshold: int):
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=multipart_threshold,
        multipart_chunksize=max(multipart_threshold, 5 * 1024 * 1024),
    )


def storage_from_config(config: Mapping[str, object]) -> LocalStorage | S3Storage:
    kind = str(config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(str(config.get("MEDIA_ROOT") or "var/media"))
    if kind == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise ValueError("MEDIA_STORAGE=s3 needs S3_BUCKET")
        return S3Storage(
            str(bucket),
            endpoint_url=_optional(config, "S3_ENDPOINT_URL"),
            region=_optional(config, "S3_REGION"),
            access_key=_optional(config, "S3_ACCESS_KEY_ID"),
            secret_key=_optional(config, "S3_SECRET_ACCESS_KEY"),
            addressing_style=str(config.get("S3_ADDRESSING_STYLE") or "path").lower(),
        )
    raise ValueError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")


def _optional(config: Mapping[str, object], name: str) -> str | None:
    value = config.get(name)
    return str(value) if value else None
