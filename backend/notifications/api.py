import marshmallow as ma
from flask.views import MethodView

from ..core.http import ID_CONVERTER, Blueprint, paginate_select
from ..core.scope import current_user
from ..models import NOTIFICATION_KINDS
from . import services as service

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="通知")


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(NOTIFICATION_KINDS)})
    hazard_id = ma.fields.String(allow_none=True)
    payload = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the webhook accepted it"}
    )


class NotificationQuery(ma.Schema):
    unread = ma.fields.Boolean(metadata={"description": "true: only unread; false: only read"})


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuery, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """The caller's own notifications, newest first"""
        stmt = service.notifications_of(current_user(), unread=query.get("unread"))
        return paginate_select(stmt, pagination_parameters)


@blp.route(f"/<{ID_CONVERTER}:notification_id>/read")
class NotificationRead(MethodView):
    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one of the caller's notifications read"""
        return service.mark_read(current_user(), notification_id)
