import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import or_, select

from ..core.http import (
    ID_CONVERTER,
    Blueprint,
    FullMatch,
    IdField,
    paginate_select,
    reachable_before_password_change,
)
from ..core.scope import (
    Forbidden,
    current_user,
    get_visible,
    is_global,
    require_department_in_scope,
    require_enterprise_in_scope,
    require_jurisdiction_in_scope,
    require_role,
    user_clause,
)
from ..models import (
    ACCOUNT_EVENT_SOURCES,
    ACCOUNT_EVENTS,
    ENTERPRISE_ROLES,
    ROLES,
    AccountEvent,
    User,
)
from . import services as service

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="用户")


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=3, max=64),
            FullMatch(r"^[A-Za-z0-9_.@-]+$", error="Use letters, digits, _ . @ -"),
        ],
    )
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=ma.validate.Length(min=service.PASSWORD_MIN_LENGTH, max=256),
    )
    display_name = ma.fields.String(validate=ma.validate.Length(max=64))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(list(ROLES)))
    jurisdiction_id = IdField(allow_none=True)
    enterprise_id = IdField(allow_none=True)
    department_id = IdField(
        allow_none=True, metadata={"description": "A department official's department"}
    )
    is_active = ma.fields.Boolean()
    must_change_password = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "Reset by someone else: to be changed before anything else"},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)


class UserUpdateSchema(ma.Schema):
    password = ma.fields.String(
        load_only=True, validate=ma.validate.Length(min=service.PASSWORD_MIN_LENGTH, max=256)
    )
    display_name = ma.fields.String(validate=ma.validate.Length(max=64))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    role = ma.fields.String(validate=ma.validate.OneOf(list(ROLES)))
    jurisdiction_id = IdField(allow_none=True)
    enterprise_id = IdField(allow_none=True)
    department_id = IdField(allow_none=True)
    is_active = ma.fields.Boolean()


class UserQuery(ma.Schema):
    q = ma.fields.String(validate=ma.validate.Length(max=64))
    role = ma.fields.String(validate=ma.validate.OneOf(list(ROLES)))
    jurisdiction_id = IdField(strict=False)
    enterprise_id = IdField(strict=False)


def check_may_assign(role, jurisdiction_id, enterprise_id, department_id=None) -> None:
    """Admins manage accounts in their scope; supervisors manage enterprise accounts there."""
    caller = current_user()
    require_role(caller, "admin", "supervisor")
    if caller.role == "supervisor" and role not in ENTERPRISE_ROLES:
        raise Forbidden("A supervisor may only manage enterprise accounts.")
    if role == "admin" and jurisdiction_id is None and not is_global(caller):
        raise Forbidden("Only a system-wide admin may create another.")
    if jurisdiction_id is not None:
        require_jurisdiction_in_scope(caller, jurisdiction_id, "jurisdiction_id")
    if enterprise_id is not None:
        require_enterprise_in_scope(caller, enterprise_id, "enterprise_id")
    if department_id is not None:
        department = require_department_in_scope(caller, department_id, "department_id")
        require_jurisdiction_in_scope(caller, department.jurisdiction_id, "department_id")


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the accounts in the caller's scope"""
        stmt = select(User).where(user_clause(current_user()))
        if query.get("q"):
            text = query["q"]
            stmt = stmt.where(
                or_(
                    User.username.contains(text, autoescape=True),
                    User.display_name.contains(text, autoescape=True),
                )
            )
        for field in ("role", "jurisdiction_id", "enterprise_id"):
            if field in query:
                stmt = stmt.where(getattr(User, field) == query[field])
        return paginate_select(stmt.order_by(User.id), pagination_parameters)

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create an account (admin; supervisor for enterprise accounts in scope)"""
        check_may_assign(
            data["role"],
            data.get("jurisdiction_id"),
            data.get("enterprise_id"),
            data.get("department_id"),
        )
        return service.create_user(**data)


class AccountEventSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    actor_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "null: an operator at the command line"}
    )
    event = ma.fields.String(metadata={"enum": list(ACCOUNT_EVENTS)})
    source = ma.fields.String(metadata={"enum": list(ACCOUNT_EVENT_SOURCES)})
    created_at = ma.fields.AwareDateTime()


class AccountEventQuery(ma.Schema):
    user_id = IdField(strict=False)


@blp.route("/account-events")
class AccountEvents(MethodView):
    @blp.arguments(AccountEventQuery, location="query")
    @blp.response(200, AccountEventSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Audit trail of password resets and changes of the accounts in scope (admin)"""
        stmt = service.account_events(current_user())
        if "user_id" in query:
            stmt = stmt.where(AccountEvent.user_id == query["user_id"])
        return paginate_select(stmt, pagination_parameters)


@blp.route("/me")
class Me(MethodView):
    @reachable_before_password_change
    @blp.response(200, UserSchema)
    def get(self):
        """The caller's own account"""
        return current_user()


@blp.route(f"/<{ID_CONVERTER}:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """Get an account"""
        return get_visible(User, user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Update an account (admin; supervisor for enterprise accounts in scope)"""
        user = get_visible(User, user_id)
        check_may_assign(user.role, user.jurisdiction_id, user.enterprise_id, user.department_id)
        merged = {
            "role": user.role,
            "jurisdiction_id": user.jurisdiction_id,
            "enterprise_id": user.enterprise_id,
            "department_id": user.department_id,
            **data,
        }
        check_may_assign(
            merged["role"],
            merged["jurisdiction_id"],
            merged["enterprise_id"],
            merged["department_id"],
        )
        return service.update_user(user, actor=current_user(), **data)
