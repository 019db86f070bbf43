"""A Blueprint whose views refuse `page` / `page_size` unless they are paginated.

The shared StrictParser drops the pagination parameters from every query string (the paginate
decorator reads them on its own), so a view that is not paginated silently accepts them. This
parser refuses them there, as it refuses any other unknown query parameter.
"""

import marshmallow as ma
from flask import current_app

from .blueprint import PAGINATION_PARAMETERS, Blueprint, StrictParser


def _view_is_paginated(req) -> bool:
    view = current_app.view_functions.get(req.endpoint)
    view_class = getattr(view, "view_class", None)
    target = getattr(view_class, req.method.lower(), None) if view_class else view
    return "pagination" in getattr(target, "_apidoc", {})


class PaginationAwareParser(StrictParser):
    def load_querystring(self, req, schema):
        if not _view_is_paginated(req):
            unknown = [
                name
                for name in PAGINATION_PARAMETERS
                if name in req.args and name not in schema.fields
            ]
            if unknown:
                raise ma.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().load_querystring(req, schema)


class StrictQueryBlueprint(Blueprint):
    ARGUMENTS_PARSER = PaginationAwareParser()
