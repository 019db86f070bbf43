"""flask-smorest's Blueprint with stricter request parsing."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

PAGINATION_PARAMETERS = ("page", "page_size")


class StrictParser(FlaskParser):
    """Refuses what the documented contract does not allow instead of silently ignoring it:
    a missing JSON body where one is required, and unknown query parameters."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            raise ma.ValidationError("A JSON request body is required.")
        return super().load_json(req, schema)

    def load_querystring(self, req, schema):
        # page and page_size belong to the pagination parser, which reads them on its own.
        args = req.args.copy()
        for name in PAGINATION_PARAMETERS:
            if name not in schema.fields:
                args.poplist(name)
        return self._makeproxy(args, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
