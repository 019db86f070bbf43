"""A fixed path never shares its URL with a record route of other methods: under
`/drills/<id>` a sibling `/drills/overdue` also matches the record route, so OPTIONS (and a
PATCH or DELETE sent to it) reach the record's methods. The OpenAPI fuzz test finds such a
pair only when its random OPTIONS case happens to hit it; this walks every rule."""

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

HIDDEN = {"HEAD", "OPTIONS"}


def _methods_matching(adapter, path: str, rule) -> set[str]:
    """The methods of every other rule that also matches `path`."""
    methods = set()
    for other in adapter.map.iter_rules():
        if other is rule or other.methods is None:
            continue
        for method in other.methods - HIDDEN:
            try:
                endpoint, _ = adapter.match(path, method=method)
            except (NotFound, MethodNotAllowed, RequestRedirect):
                continue
            if endpoint == other.endpoint:
                methods.add(method)
    return methods


def test_no_fixed_path_is_shadowed_by_a_record_route_of_other_methods(app):
    adapter = app.url_map.bind("localhost")
    shadowed = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or not rule.rule.startswith("/api/"):
            continue
        extra = _methods_matching(adapter, rule.rule, rule) - (rule.methods or set())
        if extra:
            shadowed.append(f"{rule.rule}: {sorted(extra)}")
    assert shadowed == []
