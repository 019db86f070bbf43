"""flask-smorest's Blueprint with stricter request parsing."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

PAGINATION_PARAMETERS = ("page", "page_size")


def nul_character_path(data, path: str = "") -> str | None:
    """The path of the first string holding a NUL character, which no database text column
    accepts (PostgreSQL refuses it outright); None when there is none."""
    if isinstance(data, str):
        return path or "body" if "\x00" in data else None
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        key_path = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return key_path
        found = nul_character_path(value, key_path)
        if found:
            return found
    return None


def refuse_nul_characters(data) -> None:
    path = nul_character_path(data)
    if path:
        raise ma.ValidationError({path: ["Text must not contain NUL characters."]})


class StrictParser(FlaskParser):
    """Refuses what the documented contract does not allow instead of silently ignoring it:
    a missing JSON body where one is required, and unknown query parameters."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise ma.ValidationError("A JSON request body is required.")
        data = super().load_json(req, schema)
        refuse_nul_characters(data)
        return data

    def load_querystring(self, req, schema):
        # page and page_size belong to the pagination parser, which reads them on its own.
        args = req.args.copy()
        for name in PAGINATION_PARAMETERS:
            if name not in schema.fields:
                args.poplist(name)
        refuse_nul_characters(args.to_dict(flat=False))
        return self._makeproxy(args, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
