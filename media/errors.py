"""Errors raised by the media library.

Every error carries a machine-readable ``code``, an English ``detail`` and, where one input is to
blame, the ``field`` it came from. ``http_status`` is the status the web layer is expected to
answer with; the library itself knows nothing about HTTP.
"""

from __future__ import annotations


class MediaError(Exception):
    code = "media_error"
    http_status = 400

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidDigest(MediaError):
    code = "invalid_digest"
    http_status = 400


class DigestMismatch(MediaError):
    code = "digest_mismatch"
    http_status = 422

    def __init__(self, expected: str, actual: str, *, field: str | None = "sha256") -> None:
        super().__init__(
            f"content sha256 is {actual}, the request announced {expected}", field=field
        )
        self.expected = expected
        self.actual = actual


class PayloadTooLarge(MediaError):
    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(MediaError):
    code = "unsupported_media_type"
    http_status = 415


class CorruptImage(MediaError):
    code = "corrupt_image"
    http_status = 422


class ImageTooLarge(MediaError):
    code = "image_too_large"
    http_status = 413


class ImplausibleCompression(MediaError):
    """Far more pixels than the file's size can honestly hold (a decompression bomb)."""

    code = "implausible_compression"
    http_status = 422


class DecoderBusy(MediaError):
    """Every decode slot stayed taken for longer than the caller would wait."""

    code = "decoder_busy"
    http_status = 503

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ObjectNotFound(MediaError):
    code = "object_not_found"
    http_status = 404


class UploadNotFound(MediaError):
    code = "upload_not_found"
    http_status = 404


class UploadLocked(MediaError):
    code = "upload_locked"
    http_status = 423


class OffsetMismatch(MediaError):
    code = "offset_mismatch"
    http_status = 409

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"Upload-Offset {actual} does not match the stored offset {expected}",
            field="Upload-Offset",
        )
        self.expected = expected
        self.actual = actual


class UploadTooLarge(MediaError):
    code = "upload_too_large"
    http_status = 413


class UploadInterrupted(MediaError):
    """The request body ended in an error; ``offset`` is what is safely on disk."""

    code = "upload_interrupted"
    http_status = 400

    def __init__(self, offset: int) -> None:
        super().__init__(f"request body was interrupted; upload offset is now {offset}")
        self.offset = offset


class UploadQuotaExceeded(MediaError):
    """Too many unfinished uploads (or too many bytes declared by them) for one user."""

    code = "upload_quota_exceeded"
    http_status = 429


class InvalidUploadMetadata(MediaError):
    code = "invalid_upload_metadata"
    http_status = 400
