"""The published penalty decisions (双公示), for anyone: `GET /api/v1/gongshi`. The party (the
enterprise's name and USCC), the number, facts, basis, penalty and amount, the date and the
authority; never a natural person's name (not the legal representative's, not the officials').
The page is web/public.py (/gongshi)."""

import marshmallow as ma
from flask.views import MethodView

from ..core.http import Blueprint, paginate_select, public
from ..models import LICENCE_DECISIONS, LICENCE_KINDS, PENALTY_TYPES
from . import licences
from . import services as service

blp = Blueprint(
    "public_penalties",
    __name__,
    url_prefix="/api/v1/gongshi",
    description="行政处罚信息公示 (双公示: published penalty decisions, no login)",
)


class PublicDecisionSchema(ma.Schema):
    id = ma.fields.String()
    number = ma.fields.String(metadata={"description": "行政处罚决定书文号"})
    party_name = ma.fields.String()
    party_uscc = ma.fields.String()
    facts = ma.fields.String(metadata={"description": "违法事实"})
    legal_basis = ma.fields.String(metadata={"description": "处罚依据"})
    penalty_types = ma.fields.List(ma.fields.String(metadata={"enum": list(PENALTY_TYPES)}))
    penalty_labels = ma.fields.List(ma.fields.String())
    amount_yuan = ma.fields.String(allow_none=True, metadata={"description": "罚没金额 (元)"})
    decided_on = ma.fields.Date()
    authority = ma.fields.String(metadata={"description": "处罚机关"})
    published_on = ma.fields.Date()


@blp.route("")
class PublishedDecisions(MethodView):
    @public
    @blp.doc(security=[])
    @blp.response(200, PublicDecisionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Published penalty decisions, newest publication first (no login)"""
        decisions = paginate_select(service.published_decisions(), pagination_parameters)
        return service.public_rows(decisions)


class PublicLicenceSchema(ma.Schema):
    id = ma.fields.String()
    holder_name = ma.fields.String()
    holder_uscc = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": list(LICENCE_KINDS)})
    kind_label = ma.fields.String()
    decision = ma.fields.String(metadata={"enum": list(LICENCE_DECISIONS)})
    decision_label = ma.fields.String()
    licence_number = ma.fields.String(metadata={"description": "许可证编号"})
    content = ma.fields.String(metadata={"description": "许可内容"})
    decided_on = ma.fields.Date()
    valid_from = ma.fields.Date(allow_none=True)
    valid_until = ma.fields.Date(allow_none=True)
    authority = ma.fields.String(metadata={"description": "许可机关"})
    published_on = ma.fields.Date()


@blp.route("/licences")
class PublishedLicences(MethodView):
    @public
    @blp.doc(security=[])
    @blp.response(200, PublicLicenceSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Published licence decisions, newest publication first (no login)"""
        decisions = paginate_select(licences.published_licences(), pagination_parameters)
        return licences.public_rows(decisions)
