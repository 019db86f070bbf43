import marshmallow as ma
from flask import Response
from flask.views import MethodView

from ..core.http import Blueprint, IdField, content_disposition, paginate_select
from ..core.scope import current_user
from ..models import HAZARD_STATUSES, PENALTY_TYPES
from . import services as service

blp = Blueprint(
    "enforcement",
    __name__,
    url_prefix="/api/v1/enforcement",
    description="执法文书 (enforcement documents): 责令限期整改指令书, 整改复查意见书, "
    "行政处罚决定书 and their publication (双公示)",
)

DOCUMENT_ID = "<string(maxlength=64):document_id>"
BINARY = {"type": "string", "format": "binary"}
ID = ma.validate.Regexp(r"^[a-zA-Z0-9_.-]{1,64}$")
OFFICIALS = ma.fields.List(
    ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
    required=True,
    validate=ma.validate.Length(min=2, max=4),
    metadata={"description": "The signing officials' names (执法人员, at least two)"},
)


def _pdf(content: bytes, number: str, title: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    name = f"{title}-{number}.pdf"
    response.headers["Content-Disposition"] = content_disposition(name, fallback="document.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


class DocumentSchema(ma.Schema):
    id = ma.fields.String()
    number = ma.fields.String(
        metadata={"description": "文书编号, e.g. （崂山应急）责改〔2026〕12号"}
    )
    enterprise_id = ma.fields.Integer()
    authority = ma.fields.Function(lambda d: service.authority_of_document(d).name)
    official_names = ma.fields.List(ma.fields.String())
    created_at = ma.fields.AwareDateTime()


class OrderItemSchema(ma.Schema):
    hazard_id = ma.fields.String()
    item_code = ma.fields.String()
    text = ma.fields.String()
    legal_basis = ma.fields.String()
    due_on = ma.fields.String(metadata={"format": "date"})


class OrderSchema(DocumentSchema):
    inspection_id = ma.fields.String()
    issued_by_id = ma.fields.Integer()
    issued_on = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(OrderItemSchema))
    receiver_name = ma.fields.String(allow_none=True)
    received_on = ma.fields.Date(allow_none=True)


class OrderCreateSchema(ma.Schema):
    inspection_id = ma.fields.String(required=True, validate=ID)
    official_names = OFFICIALS
    id = ma.fields.String(validate=ID, metadata={"description": "Optional client-chosen id"})


class ReceiptSchema(ma.Schema):
    receiver_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    received_on = ma.fields.Date(required=True)


class OrderQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    inspection_id = ma.fields.String(validate=ID)


class ReviewItemSchema(ma.Schema):
    hazard_id = ma.fields.String()
    item_code = ma.fields.String()
    text = ma.fields.String()
    due_on = ma.fields.String(metadata={"format": "date"})
    hazard_status = ma.fields.String(metadata={"enum": list(HAZARD_STATUSES)})
    hazard_status_label = ma.fields.String()
    rectified = ma.fields.Boolean()


class ReviewSchema(DocumentSchema):
    order_id = ma.fields.String()
    reviewed_by_id = ma.fields.Integer()
    reviewed_on = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(ReviewItemSchema))


class ReviewCreateSchema(ma.Schema):
    order_id = ma.fields.String(required=True, validate=ID)
    official_names = OFFICIALS
    id = ma.fields.String(validate=ID)


class ReviewQuery(ma.Schema):
    order_id = ma.fields.String(validate=ID)


class DecisionCreateSchema(ma.Schema):
    enterprise_id = IdField(required=True)
    facts = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20000))
    legal_basis = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20000))
    penalty_types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(PENALTY_TYPES))),
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "行政处罚法 第九条 kinds (codes)"},
    )
    amount_yuan = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(r"^[0-9]{1,15}(\.[0-9]{1,2})?$"),
        metadata={"description": '罚没金额 in yuan as text, e.g. "20000.00"'},
    )
    decided_on = ma.fields.Date(required=True)
    official_names = OFFICIALS
    party_legal_representative = ma.fields.String(
        validate=ma.validate.Length(max=64),
        metadata={"description": "法定代表人; by default the enterprise's principal"},
    )
    id = ma.fields.String(validate=ID)


class DecisionSchema(DocumentSchema):
    party_name = ma.fields.String()
    party_uscc = ma.fields.String()
    party_legal_representative = ma.fields.String()
    facts = ma.fields.String()
    legal_basis = ma.fields.String()
    penalty_types = ma.fields.List(ma.fields.String(metadata={"enum": list(PENALTY_TYPES)}))
    penalty_labels = ma.fields.Function(lambda d: [PENALTY_TYPES[kind] for kind in d.penalty_types])
    amount_yuan = ma.fields.Function(lambda d: service.fen_to_yuan(d.amount_fen))
    amount_fen = ma.fields.Integer(allow_none=True)
    decided_on = ma.fields.Date()
    decided_by_id = ma.fields.Integer()
    publish_due_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "方案5 L198: the 20th working day after the decision; null until "
            "the working-day calendar has that year"
        },
    )
    published_at = ma.fields.AwareDateTime(allow_none=True)
    publication_overdue = ma.fields.Function(lambda d: service.is_publication_overdue(d))


class DecisionQuery(ma.Schema):
    enterprise_id = IdField(strict=False)
    published = ma.fields.Boolean()


@blp.route("/orders")
class Orders(MethodView):
    @blp.arguments(OrderQuery, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the rectification orders in the caller's scope (an enterprise: its own)"""
        return paginate_select(service.order_query(current_user(), **query), pagination_parameters)

    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    def post(self, data):
        """Issue the 责令限期整改指令书 of a finished supervision inspection (its inspector or a
        supervisor in scope); numbered at once"""
        return service.issue_order(current_user(), **data)


@blp.route(f"/orders/{DOCUMENT_ID}")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    def get(self, document_id):
        """One rectification order"""
        return service.get_visible_order(current_user(), document_id)


@blp.route(f"/orders/{DOCUMENT_ID}/receipt")
class OrderReceipt(MethodView):
    @blp.arguments(ReceiptSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, document_id):
        """Record the enterprise's receiver and the date of receipt (签收; officials)"""
        return service.record_receipt(current_user(), document_id, **data)


@blp.route(f"/orders/{DOCUMENT_ID}/document.pdf")
class OrderPdf(MethodView):
    @blp.response(200, BINARY, content_type="application/pdf", description="The order (A4)")
    def get(self, document_id):
        """The order as PDF, in the layout of the official form"""
        order = service.get_visible_order(current_user(), document_id)
        return _pdf(service.order_pdf(order), order.number, "责令限期整改指令书")


@blp.route("/reviews")
class Reviews(MethodView):
    @blp.arguments(ReviewQuery, location="query")
    @blp.response(200, ReviewSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the review opinions in the caller's scope"""
        stmt = service.review_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(ReviewCreateSchema)
    @blp.response(201, ReviewSchema)
    def post(self, data):
        """Issue the 整改复查意见书 of an order whose items are verified or past their deadline"""
        return service.issue_review(current_user(), **data)


@blp.route(f"/reviews/{DOCUMENT_ID}")
class ReviewById(MethodView):
    @blp.response(200, ReviewSchema)
    def get(self, document_id):
        """One review opinion"""
        return service.get_visible_review(current_user(), document_id)


@blp.route(f"/reviews/{DOCUMENT_ID}/document.pdf")
class ReviewPdf(MethodView):
    @blp.response(200, BINARY, content_type="application/pdf", description="The opinion (A4)")
    def get(self, document_id):
        """The review opinion as PDF"""
        review = service.get_visible_review(current_user(), document_id)
        return _pdf(service.review_pdf(review), review.number, "整改复查意见书")


@blp.route("/penalty-decisions")
class Decisions(MethodView):
    @blp.arguments(DecisionQuery, location="query")
    @blp.response(200, DecisionSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the penalty decisions in the caller's scope, latest first"""
        stmt = service.decision_query(current_user(), **query)
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    def post(self, data):
        """Record a 行政处罚决定书 (supervisor in scope); numbered at once"""
        return service.record_decision(current_user(), **data)


@blp.route("/penalty-decisions/publication-due")
class DecisionsDueForPublication(MethodView):
    @blp.response(200, DecisionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Decisions not yet published whose 20-working-day deadline has passed or is near"""
        stmt = service.publication_due_query(current_user())
        return paginate_select(stmt, pagination_parameters)


@blp.route(f"/penalty-decisions/{DOCUMENT_ID}")
class DecisionById(MethodView):
    @blp.response(200, DecisionSchema)
    def get(self, document_id):
        """One penalty decision"""
        return service.get_visible_decision(current_user(), document_id)


@blp.route(f"/penalty-decisions/{DOCUMENT_ID}/publication")
class DecisionPublication(MethodView):
    @blp.response(200, DecisionSchema)
    def post(self, document_id):
        """Publish the decision (双公示; supervisor in scope): it shows on /gongshi"""
        return service.publish_decision(current_user(), document_id)


@blp.route(f"/penalty-decisions/{DOCUMENT_ID}/document.pdf")
class DecisionPdf(MethodView):
    @blp.response(200, BINARY, content_type="application/pdf", description="The decision (A4)")
    def get(self, document_id):
        """The penalty decision as PDF"""
        decision = service.get_visible_decision(current_user(), document_id)
        return _pdf(service.decision_pdf(decision), decision.number, "行政处罚决定书")
