"""Photo intake for Xuncha: validation, EXIF, derivatives, content-addressed storage, tus.

Framework-free: nothing here imports Flask or ``backend``. Modules:
``storage`` (LocalStorage, S3Storage, keys), ``intake`` (receive, inspect_image, store_original),
``derivatives`` (make_derivatives), ``stamp`` (EvidenceStamp), ``tus`` (TusStore),
``errors`` (MediaError and subclasses, each with ``code``, ``detail``, ``field``, ``http_status``).
"""
