import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import (
    ACCIDENT_SEVERITY_LEVELS,
    ACCIDENT_TYPES,
    BLACKLIST_LIST_LEVELS,
    FATAL_ACCIDENT_WORDING,
    INVESTIGATED_BY,
    INVESTIGATION_STATUSES,
    REPORTED_UP_TO,
)
from . import services as service

blp = Blueprint(
    "accidents",
    __name__,
    url_prefix="/api/v1/accidents",
    description="生产安全事故 (accidents): level, reporting and investigation per "
    "《生产安全事故报告和调查处理条例》",
)

ACCIDENT_ID = "<string(maxlength=64):accident_id>"
COUNT = {"strict": True, "validate": ma.validate.Range(min=0, max=2**31 - 1)}
LOSS_FEN = ma.validate.Range(min=0, max=2**63 - 1)


class AccidentWriteSchema(ma.Schema):
    occurred_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "When it happened, ISO 8601 with offset"}
    )
    place = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    accident_type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(ACCIDENT_TYPES)),
        metadata={"description": "事故类别 (GB 6441-1986)"},
    )
    summary = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=4000), metadata={"description": "经过"}
    )
    deaths = ma.fields.Integer(load_default=0, **COUNT)
    serious_injuries = ma.fields.Integer(
        load_default=0,
        metadata={"description": "重伤, acute industrial poisoning included"},
        **COUNT,
    )
    direct_economic_loss_fen = ma.fields.Integer(
        load_default=0,
        strict=True,
        validate=LOSS_FEN,
        metadata={"description": "直接经济损失 in fen (integer; 1 yuan = 100 fen)"},
    )
    responsible = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "责任事故 or not; null until the investigation finds it"},
    )
    investigation_status = ma.fields.String(
        load_default="pending", validate=ma.validate.OneOf(list(INVESTIGATION_STATUSES))
    )
    investigation_report = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=20000),
        metadata={"description": "调查报告"},
    )


class AccidentCreateSchema(AccidentWriteSchema):
    enterprise_id = IdField(required=True)


class BlacklistProposalSchema(ma.Schema):
    trigger = ma.fields.String()
    trigger_label = ma.fields.String()
    list_level = ma.fields.String(metadata={"enum": list(BLACKLIST_LIST_LEVELS)})
    list_level_label = ma.fields.String()
    term_years = ma.fields.Integer()


class AccidentSchema(AccidentWriteSchema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    direct_economic_loss_yuan = ma.fields.Function(
        lambda accident: f"{accident.direct_economic_loss_fen / 100:.2f}",
        metadata={"description": "The loss in yuan, for display"},
    )
    level = ma.fields.String(metadata={"enum": list(ACCIDENT_SEVERITY_LEVELS)})
    level_label = ma.fields.Function(lambda accident: ACCIDENT_SEVERITY_LEVELS[accident.level])
    accident_type_label = ma.fields.Function(lambda a: ACCIDENT_TYPES[a.accident_type])
    report_due_at = ma.fields.AwareDateTime(
        metadata={"description": "条例 第九条: the unit reports within 1 hour"}
    )
    first_report_to = ma.fields.Constant("县级以上人民政府安全生产监督管理部门")
    reported_up_to = ma.fields.String(metadata={"enum": list(REPORTED_UP_TO)})
    reported_up_to_label = ma.fields.Function(lambda a: REPORTED_UP_TO[a.reported_up_to])
    report_up_within_hours = ma.fields.Constant(service.REPORT_UP_HOURS)
    handled_by_level = ma.fields.String(
        metadata={"enum": list(INVESTIGATED_BY), "description": "条例 第十九条"}
    )
    handled_by_label = ma.fields.Function(lambda a: INVESTIGATED_BY[a.handled_by_level])
    blacklist_proposal = ma.fields.Method(
        "get_blacklist_proposal",
        metadata={"description": "What the blacklist would take from this accident; null: nothing"},
    )
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()

    def get_blacklist_proposal(self, accident):
        if accident.blacklist_trigger is None:
            return None
        return BlacklistProposalSchema().dump(
            {
                "trigger": accident.blacklist_trigger,
                "trigger_label": FATAL_ACCIDENT_WORDING[accident.blacklist_list_level],
                "list_level": accident.blacklist_list_level,
                "list_level_label": BLACKLIST_LIST_LEVELS[accident.blacklist_list_level],
                "term_years": accident.blacklist_term_years,
            }
        )


class AccidentQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    level = ma.fields.String(validate=ma.validate.OneOf(list(ACCIDENT_SEVERITY_LEVELS)))
    responsible = ma.fields.Boolean()
    investigation_status = ma.fields.String(
        validate=ma.validate.OneOf(list(INVESTIGATION_STATUSES))
    )


@blp.route("")
class Accidents(MethodView):
    @blp.arguments(AccidentQuery, location="query")
    @blp.response(200, AccidentSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the accidents in the caller's scope (an enterprise: its own), latest first"""
        stmt = service.accident_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(AccidentCreateSchema)
    @blp.response(201, AccidentSchema)
    def post(self, data):
        """Record an accident (supervisor in scope); its level, reporting and investigating
        levels follow from the facts"""
        return service.record_accident(current_user(), **data)


@blp.route(f"/{ACCIDENT_ID}")
class AccidentById(MethodView):
    @blp.response(200, AccidentSchema)
    def get(self, accident_id):
        """One accident"""
        return service.get_visible_accident(current_user(), accident_id)

    @blp.arguments(AccidentWriteSchema(partial=True))
    @blp.response(200, AccidentSchema)
    def patch(self, data, accident_id):
        """Correct the facts, record the investigation's status, report and responsibility
        finding (supervisor in scope)"""
        return service.update_accident(current_user(), accident_id, data)
