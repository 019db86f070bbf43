import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import (
    ACCIDENT_TYPES,
    ASSESSMENT_METHODS,
    CONTROL_LEVELS,
    INSTALLATION_FILING_STATUSES,
    INSTALLATION_GRADES,
    INSTALLATION_KINDS,
    RISK_COLOUR_LABELS,
    RISK_COLOURS,
    RISK_LEVELS,
    RISK_POINT_KINDS,
)
from . import services as service

blp = Blueprint(
    "risks",
    __name__,
    url_prefix="/api/v1",
    description="风险分级管控 (risk points) and 重大危险源 (major hazard installations, "
    "GB 18218-2018): kept by the enterprise, read by officials in scope",
)

POINT_ID = "<string(maxlength=64):point_id>"
INSTALLATION_ID = "<string(maxlength=64):installation_id>"


def _choice(values, **kwargs):
    return ma.fields.String(validate=ma.validate.OneOf(list(values)), **kwargs)


class RiskPointWriteSchema(ma.Schema):
    kind = _choice(
        RISK_POINT_KINDS, required=True, metadata={"description": "场所/作业活动/设备设施"}
    )
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    hazard_types = ma.fields.List(
        _choice(ACCIDENT_TYPES),
        required=True,
        validate=ma.validate.Length(min=1, max=len(ACCIDENT_TYPES)),
        metadata={"description": "事故类别 codes (GB 6441-1986)"},
    )
    method = _choice(ASSESSMENT_METHODS, required=True, metadata={"description": "lec or matrix"})
    lec_l = ma.fields.Float(
        allow_none=True, metadata={"description": f"LEC L, one of {list(service.LEC_L)}"}
    )
    lec_e = ma.fields.Float(
        allow_none=True, metadata={"description": f"LEC E, one of {list(service.LEC_E)}"}
    )
    lec_c = ma.fields.Float(
        allow_none=True, metadata={"description": f"LEC C, one of {list(service.LEC_C)}"}
    )
    likelihood = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "Risk matrix L, 1–5"}
    )
    severity = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "Risk matrix S, 1–5"}
    )
    control_measures = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=4000),
        metadata={"description": "管控措施"},
    )
    control_level = _choice(
        CONTROL_LEVELS, required=True, metadata={"description": "管控层级: 公司/车间/班组/岗位"}
    )
    responsible_person = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=100)
    )


class RiskPointCreateSchema(RiskPointWriteSchema):
    enterprise_id = IdField(required=True)


class RiskPointSchema(RiskPointWriteSchema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    kind_label = ma.fields.Function(lambda p: RISK_POINT_KINDS[p.kind])
    hazard_type_labels = ma.fields.Function(lambda p: [ACCIDENT_TYPES[t] for t in p.hazard_types])
    method_label = ma.fields.Function(lambda p: ASSESSMENT_METHODS[p.method])
    score = ma.fields.Float(metadata={"description": "LEC D, or the matrix's R"})
    level = ma.fields.String(metadata={"enum": list(RISK_LEVELS)})
    level_label = ma.fields.Function(lambda p: RISK_LEVELS[p.level])
    colour = ma.fields.Function(
        lambda p: RISK_COLOURS[p.level], metadata={"enum": list(RISK_COLOUR_LABELS)}
    )
    colour_label = ma.fields.Function(lambda p: RISK_COLOUR_LABELS[RISK_COLOURS[p.level]])
    control_level_label = ma.fields.Function(lambda p: CONTROL_LEVELS[p.control_level])
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class RiskPointQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    level = _choice(RISK_LEVELS)


class SubstanceLineSchema(ma.Schema):
    substance = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={"description": "A code of GB 18218-2018 表1 (GET .../standard)"},
    )
    category = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(max=8),
        metadata={"description": "A symbol of 表2 (J1…W11); required outside 表3 for β"},
    )
    quantity_t = ma.fields.Float(
        required=True, metadata={"description": "The largest quantity present, tonnes"}
    )


class InstallationWriteSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    unit_kind = _choice(INSTALLATION_KINDS, required=True)
    substances = ma.fields.List(
        ma.fields.Nested(SubstanceLineSchema), required=True, validate=ma.validate.Length(min=1)
    )
    exposed_people = ma.fields.Integer(
        strict=True,
        load_default=0,
        validate=ma.validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "People living within 500 m outside the plant (表5, α)"},
    )
    registered_on = ma.fields.Date(allow_none=True, metadata={"description": "登记建档"})
    filing_status = _choice(INSTALLATION_FILING_STATUSES, load_default="not_filed")
    filed_on = ma.fields.Date(allow_none=True)
    accepted_on = ma.fields.Date(allow_none=True)
    last_evaluated_on = ma.fields.Date(allow_none=True, metadata={"description": "安全评估"})
    monitoring_notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class InstallationCreateSchema(InstallationWriteSchema):
    enterprise_id = IdField(required=True)


class InstallationSchema(InstallationWriteSchema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    unit_kind_label = ma.fields.Function(lambda i: INSTALLATION_KINDS[i.unit_kind])
    s_value = ma.fields.Float(metadata={"description": "S = Σ q/Q"})
    alpha = ma.fields.Float()
    r_value = ma.fields.Float(metadata={"description": "R = α Σ β q/Q"})
    is_major = ma.fields.Boolean(metadata={"description": "S ≥ 1"})
    grade = ma.fields.Integer(allow_none=True, metadata={"description": "1–4; null if not major"})
    grade_label = ma.fields.Function(lambda i: INSTALLATION_GRADES.get(i.grade))
    filing_status_label = ma.fields.Function(
        lambda i: INSTALLATION_FILING_STATUSES[i.filing_status]
    )
    evaluation_due_on = ma.fields.Date(
        allow_none=True, metadata={"description": "The last evaluation + 3 years"}
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class StandardSchema(ma.Schema):
    code = ma.fields.String()
    title = ma.fields.String()
    source = ma.fields.String()
    completeness = ma.fields.String(metadata={"enum": ["complete", "partial"]})
    substances = ma.fields.Dict(metadata={"description": "表1: code → name, CAS, critical_t"})
    categories = ma.fields.Dict(metadata={"description": "表2 with 表4's β: symbol → …"})
    toxic_gas_beta = ma.fields.Dict(metadata={"description": "表3: substance code → β"})
    alpha = ma.fields.List(ma.fields.Dict(), metadata={"description": "表5"})
    grades = ma.fields.List(ma.fields.Dict(), metadata={"description": "4.3"})


class InstallationQuery(ma.Schema):
    enterprise_id = IdField(strict=False)


@blp.route("/risk-points")
class RiskPoints(MethodView):
    @blp.arguments(RiskPointQuery, location="query")
    @blp.response(200, RiskPointSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the risk points in the caller's scope, highest level first"""
        return paginate_select(
            service.risk_point_query(current_user(), **query), pagination_parameters
        )

    @blp.arguments(RiskPointCreateSchema)
    @blp.response(201, RiskPointSchema)
    def post(self, data):
        """Add a risk point of one's own enterprise (enterprise manager); its level follows
        from the assessment inputs"""
        return service.create_risk_point(current_user(), **data)


@blp.route(f"/risk-points/{POINT_ID}")
class RiskPointById(MethodView):
    @blp.response(200, RiskPointSchema)
    def get(self, point_id):
        """One risk point"""
        return service.get_visible_risk_point(current_user(), point_id)

    @blp.arguments(RiskPointWriteSchema(partial=True))
    @blp.response(200, RiskPointSchema)
    def patch(self, data, point_id):
        """Change a risk point (enterprise manager)"""
        return service.update_risk_point(current_user(), point_id, data)

    @blp.response(204)
    def delete(self, point_id):
        """Remove a risk point no hazard names (enterprise manager)"""
        service.delete_risk_point(current_user(), point_id)


@blp.route("/hazard-installations")
class Installations(MethodView):
    @blp.arguments(InstallationQuery, location="query")
    @blp.response(200, InstallationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the declared units in the caller's scope, major hazards first"""
        return paginate_select(
            service.installation_query(current_user(), **query), pagination_parameters
        )

    @blp.arguments(InstallationCreateSchema)
    @blp.response(201, InstallationSchema)
    def post(self, data):
        """Declare a production or storage unit (enterprise manager); S, R and the grade
        follow from GB 18218-2018"""
        return service.declare_installation(current_user(), **data)


@blp.route("/hazard-installation-standard")
class Standard(MethodView):
    @blp.response(200, StandardSchema)
    def get(self):
        """GB 18218-2018's tables as shipped (named substances, categories, β, α, grades)"""
        return service.standard()


@blp.route(f"/hazard-installations/{INSTALLATION_ID}")
class InstallationById(MethodView):
    @blp.response(200, InstallationSchema)
    def get(self, installation_id):
        """One declared unit"""
        return service.get_visible_installation(current_user(), installation_id)

    @blp.arguments(InstallationWriteSchema(partial=True))
    @blp.response(200, InstallationSchema)
    def patch(self, data, installation_id):
        """Change a unit, its filing (备案), evaluation date or monitoring notes"""
        return service.update_installation(current_user(), installation_id, data)

    @blp.response(204)
    def delete(self, installation_id):
        """Remove a unit (enterprise manager)"""
        service.delete_installation(current_user(), installation_id)
