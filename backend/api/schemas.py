"""Schemas shared by several resources."""

import marshmallow as ma

MAX_ID = 2**31 - 1
ID_CONVERTER = f"int(min=1, max={MAX_ID})"  # for routes: f"/<{ID_CONVERTER}:enterprise_id>"


def IdField(*, strict: bool = True, **kwargs) -> ma.fields.Integer:  # noqa: N802
    """A reference to a row: a positive integer that fits every database's integer column.

    Query strings carry text, so query schemas pass strict=False.
    """
    return ma.fields.Integer(strict=strict, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


SYNC_ID_PATTERN = r"^[a-zA-Z0-9_.-]{1,64}$"


def SyncId(**kwargs) -> ma.fields.String:  # noqa: N802
    """An id a device may choose for what it creates (DESIGN.md, sync schema v1)."""
    return ma.fields.String(validate=ma.validate.Regexp(SYNC_ID_PATTERN), **kwargs)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Field errors: field (dotted path), in, message"},
    )
