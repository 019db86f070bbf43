import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user, get_visible
from ..models import Patrol
from . import services as service

blp = Blueprint(
    "patrols",
    __name__,
    url_prefix="/api/v1/patrols",
    description="巡查记录 (grid workers' patrol logs; they arrive through the sync)",
)


class RoutePointSchema(ma.Schema):
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    at = ma.fields.Integer(allow_none=True, metadata={"description": "Device epoch ms"})


class PatrolSchema(ma.Schema):
    id = ma.fields.String()
    user_id = ma.fields.Integer()
    jurisdiction_id = ma.fields.Integer(metadata={"description": "The grid patrolled"})
    patrol_date = ma.fields.Date()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    route = ma.fields.List(ma.fields.Nested(RoutePointSchema))
    places = ma.fields.List(ma.fields.String())
    observations = ma.fields.String()
    hazard_note = ma.fields.String()
    enterprise_ids = ma.fields.Function(service.visited_enterprise_ids)
    hazard_ids = ma.fields.Function(
        service.reported_hazard_ids, metadata={"description": "Hazards reported on the patrol"}
    )
    received_at = ma.fields.AwareDateTime()


class PatrolQuery(ma.Schema):
    user_id = IdField(strict=False)
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()


class PerformanceQuery(ma.Schema):
    month = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="Use YYYY-MM."),
    )
    jurisdiction_id = IdField(strict=False, metadata={"description": "Within this subtree"})


class PerformanceSchema(ma.Schema):
    user_id = ma.fields.Integer()
    display_name = ma.fields.String()
    jurisdiction_id = ma.fields.Integer()
    jurisdiction_name = ma.fields.String()
    required_patrols = ma.fields.Integer(metadata={"description": "The grid's frequency"})
    patrols = ma.fields.Integer()
    met = ma.fields.Boolean()
    enterprises_visited = ma.fields.Integer()
    hazards_found = ma.fields.Integer()
    hazards_closed = ma.fields.Integer()
    hazards_open = ma.fields.Integer()
    follow_up_visits = ma.fields.Integer(
        metadata={"description": "Back at an enterprise where they had reported a hazard"}
    )


@blp.route("")
class Patrols(MethodView):
    @blp.arguments(PatrolQuery, location="query")
    @blp.response(200, PatrolSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Patrol logs in the caller's scope, newest first"""
        return paginate_select(service.patrol_query(current_user(), **query), pagination_parameters)


@blp.route("/performance")
class DutyPerformance(MethodView):
    @blp.arguments(PerformanceQuery, location="query")
    @blp.response(200, PerformanceSchema(many=True))
    def get(self, query):
        """Duty performance (履职情况) per grid worker for a month: patrols against the grid's
        required number, enterprises visited, hazards found, follow-up visits"""
        return service.duty_performance(current_user(), **query)


@blp.route("/<string:patrol_id>")
class PatrolById(MethodView):
    @blp.response(200, PatrolSchema)
    def get(self, patrol_id):
        """Get a patrol log"""
        return get_visible(Patrol, patrol_id)
