import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint, IdField, paginate_select
from ..core.scope import current_user
from ..models import (
    ASSESSMENT_RESULTS,
    CERTIFICATE_TYPES,
    PERSON_ROLES,
    SPECIAL_OPERATION_CATEGORIES,
)
from . import services as service

blp = Blueprint(
    "training",
    __name__,
    url_prefix="/api/v1",
    description="The enterprise's people, certificates (持证上岗) and training records: kept by "
    "its safety managers, read by its own users and the officials in scope",
)

RECORD_ID = "<string(maxlength=64):record_id>"


def _label(labels: dict, attribute: str):
    return ma.fields.Function(lambda obj: labels[getattr(obj, attribute)])


class PersonWriteSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    role = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(PERSON_ROLES)),
        metadata={"description": "; ".join(f"{k}: {v}" for k, v in PERSON_ROLES.items())},
    )
    job_title = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class PersonCreateSchema(PersonWriteSchema):
    enterprise_id = IdField(required=True)


class PersonUpdateSchema(PersonWriteSchema):
    active = ma.fields.Boolean(metadata={"description": "false: left the enterprise"})


class CertificateWriteSchema(ma.Schema):
    cert_type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(CERTIFICATE_TYPES)),
        metadata={"description": "; ".join(f"{k}: {v}" for k, v in CERTIFICATE_TYPES.items())},
    )
    operation_category = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(list(SPECIAL_OPERATION_CATEGORIES)),
        metadata={"description": "作业类别 of a 特种作业操作证 (required for it, else null)"},
    )
    number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    issuer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    issued_on = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)


class CertificateCreateSchema(CertificateWriteSchema):
    person_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class CertificateSchema(CertificateWriteSchema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    person_id = ma.fields.String()
    cert_type_label = _label(CERTIFICATE_TYPES, "cert_type")
    operation_category_label = ma.fields.Function(
        lambda c: SPECIAL_OPERATION_CATEGORIES.get(c.operation_category)
    )
    state = ma.fields.Function(
        service.current_state,
        metadata={"enum": ["valid", "expiring", "expired", "not_yet_valid"]},
    )
    updated_at = ma.fields.AwareDateTime()


class PersonSchema(PersonUpdateSchema):
    id = ma.fields.String()
    enterprise_id = ma.fields.Integer()
    role_label = _label(PERSON_ROLES, "role")
    certificates = ma.fields.List(ma.fields.Nested(CertificateSchema))
    updated_at = ma.fields.AwareDateTime()


class PeopleQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    role = ma.fields.String(validate=ma.validate.OneOf(list(PERSON_ROLES)))
    active = ma.fields.Boolean()


class CertificateQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    person_id = ma.fields.String(validate=ma.validate.Length(min=1, max=64))


class ParticipantSchema(ma.Schema):
    person_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    assessment = ma.fields.String(
        load_default="not_assessed",
        validate=ma.validate.OneOf(list(ASSESSMENT_RESULTS)),
        metadata={"description": "考核结果"},
    )


class ParticipantOutSchema(ParticipantSchema):
    name = ma.fields.Function(lambda p: p.person.name)
    assessment_label = _label(ASSESSMENT_RESULTS, "assessment")


class TrainingCreateSchema(ma.Schema):
    enterprise_id = IdField(required=True)
    held_at = ma.fields.AwareDateTime(required=True, metadata={"description": "时间"})
    content = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    hours = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(min=0, min_inclusive=False, max=service.MAX_HOURS),
        metadata={"description": "学时"},
    )
    participants = ma.fields.List(
        ma.fields.Nested(ParticipantSchema), required=True, validate=ma.validate.Length(min=1)
    )


class TrainingUpdateSchema(TrainingCreateSchema):
    class Meta:
        exclude = ("enterprise_id",)


class TrainingSchema(TrainingCreateSchema):
    id = ma.fields.String()
    participants = ma.fields.List(ma.fields.Nested(ParticipantOutSchema))
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class TrainingQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    year = ma.fields.Integer(strict=False, validate=ma.validate.Range(min=2000, max=2100))


class YearQuery(ma.Schema):
    year = ma.fields.Integer(
        strict=False, required=True, validate=ma.validate.Range(min=2000, max=2100)
    )


class TrainingHoursSchema(ma.Schema):
    person_id = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    year = ma.fields.Integer()
    hours = ma.fields.Float()
    required_hours = ma.fields.Integer(allow_none=True)
    meets_requirement = ma.fields.Boolean(allow_none=True)
    basis = ma.fields.String(allow_none=True)


class CertificationRateSchema(ma.Schema):
    enterprise_id = ma.fields.Integer()
    enterprise_name = ma.fields.String()
    employees_20_plus = ma.fields.Boolean()
    roles = ma.fields.List(ma.fields.String())
    required = ma.fields.Integer()
    certified = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True, metadata={"description": "null: nobody registered"})
    target = ma.fields.Float()
    meets_target = ma.fields.Boolean()
    basis = ma.fields.String()


class JurisdictionCertificationSchema(ma.Schema):
    jurisdiction_id = ma.fields.Integer()
    enterprises = ma.fields.Integer()
    required = ma.fields.Integer()
    certified = ma.fields.Integer()
    rate = ma.fields.Float(allow_none=True)
    target = ma.fields.Float()
    below_target = ma.fields.List(ma.fields.Nested(CertificationRateSchema))


@blp.route("/people")
class People(MethodView):
    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the people of the enterprises in scope, with their certificates"""
        return paginate_select(service.people_query(current_user(), **query), pagination_parameters)

    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    def post(self, data):
        """Register one of the enterprise's people (its safety manager); no ID numbers"""
        return service.add_person(current_user(), **data)


@blp.route(f"/people/{RECORD_ID}")
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    def get(self, record_id):
        """One person"""
        return service.get_visible_person(current_user(), record_id)

    @blp.arguments(PersonUpdateSchema(partial=True))
    @blp.response(200, PersonSchema)
    def patch(self, data, record_id):
        """Correct a person, or mark them as gone (active: false)"""
        return service.update_person(current_user(), record_id, data)


@blp.route("/certificates")
class Certificates(MethodView):
    @blp.arguments(CertificateQuery, location="query")
    @blp.response(200, CertificateSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the certificates in scope, the first to expire first"""
        stmt = service.certificate_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(CertificateCreateSchema)
    @blp.response(201, CertificateSchema)
    def post(self, data):
        """Record a certificate a person holds (the enterprise's safety manager)"""
        return service.add_certificate(current_user(), **data)


@blp.route(f"/certificates/{RECORD_ID}")
class CertificateById(MethodView):
    @blp.response(200, CertificateSchema)
    def get(self, record_id):
        """One certificate"""
        return service.get_visible_certificate(current_user(), record_id)

    @blp.arguments(CertificateWriteSchema(partial=True))
    @blp.response(200, CertificateSchema)
    def patch(self, data, record_id):
        """Correct a certificate, or record its renewal"""
        return service.update_certificate(current_user(), record_id, data)

    @blp.response(204)
    def delete(self, record_id):
        """Remove a certificate recorded by mistake"""
        service.delete_certificate(current_user(), record_id)


@blp.route("/training-sessions")
class Trainings(MethodView):
    @blp.arguments(TrainingQuery, location="query")
    @blp.response(200, TrainingSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the training records in scope, latest first"""
        stmt = service.training_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(TrainingCreateSchema)
    @blp.response(201, TrainingSchema)
    def post(self, data):
        """Record a training: time, content, hours, participants and their assessment"""
        return service.record_training(current_user(), **data)


@blp.route(f"/training-sessions/{RECORD_ID}")
class TrainingById(MethodView):
    @blp.response(200, TrainingSchema)
    def get(self, record_id):
        """One training record"""
        return service.get_visible_training(current_user(), record_id)

    @blp.arguments(TrainingUpdateSchema(partial=True))
    @blp.response(200, TrainingSchema)
    def patch(self, data, record_id):
        """Correct a training record or enter the assessment results (participants, when given,
        are the whole list)"""
        return service.update_training(current_user(), record_id, data)

    @blp.response(204)
    def delete(self, record_id):
        """Remove a training recorded by mistake"""
        service.delete_training(current_user(), record_id)


@blp.route(f"/enterprises/<{ID_CONVERTER}:enterprise_id>/certification")
class EnterpriseCertification(MethodView):
    @blp.response(200, CertificationRateSchema)
    def get(self, enterprise_id):
        """The enterprise's 持证上岗率 against seed 001's 100 % target"""
        return service.certification_rate(current_user(), enterprise_id)


@blp.route(f"/enterprises/<{ID_CONVERTER}:enterprise_id>/training-hours")
class EnterpriseTrainingHours(MethodView):
    @blp.arguments(YearQuery, location="query")
    @blp.response(200, TrainingHoursSchema(many=True))
    def get(self, query, enterprise_id):
        """Each person's training hours in a year, beside the yearly minimum where the rule
        (生产经营单位安全培训规定 art. 9, 13) gives one"""
        return service.yearly_hours(current_user(), enterprise_id, query["year"])


@blp.route(f"/jurisdictions/<{ID_CONVERTER}:jurisdiction_id>/certification")
class JurisdictionCertification(MethodView):
    @blp.response(200, JurisdictionCertificationSchema)
    def get(self, jurisdiction_id):
        """The 持证上岗率 over a jurisdiction's enterprises, and those below the target"""
        return service.jurisdiction_certification(current_user(), jurisdiction_id)
