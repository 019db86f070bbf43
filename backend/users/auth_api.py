from datetime import timedelta

import marshmallow as ma
from flask import current_app, g
from flask.views import MethodView

from ..core.http import Blueprint, client_address, public, reachable_before_password_change
from .api import UserSchema
from .auth import authenticate, issue_token, login_throttle, revoke
from .services import PASSWORD_MIN_LENGTH, change_own_password

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=256)
    )
    device_id = ma.fields.String(validate=ma.validate.Length(max=128), allow_none=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    user = ma.fields.Nested(UserSchema, required=True)
    password_change_required = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "The password was reset by someone else: this token reaches only "
            "POST /auth/password, GET /users/me and DELETE /auth/token until it is changed; "
            "anything else answers 403 with code password_change_required"
        },
    )


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=256)
    )
    new_password = ma.fields.String(
        required=True,
        load_only=True,
        validate=ma.validate.Length(min=PASSWORD_MIN_LENGTH, max=256),
    )


@blp.route("/token")
class Token(MethodView):
    @public
    @blp.doc(security=[])
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, credentials):
        """Log in: exchange a username and password for a bearer token"""
        user = authenticate(
            credentials["username"], credentials["password"], client_address(), login_throttle()
        )
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        token, record = issue_token(user, ttl=ttl, device_id=credentials.get("device_id"))
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_at": record.expires_at,
            "user": user,
            "password_change_required": user.must_change_password,
        }

    @reachable_before_password_change
    @blp.response(204)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def delete(self):
        """Log out: revoke the token used for this request"""
        revoke(g.current_token)


@blp.route("/password")
class Password(MethodView):
    @reachable_before_password_change
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, data):
        """Change the caller's own password (required after a reset by someone else)"""
        change_own_password(
            g.current_user,
            g.current_token,
            current_password=data["current_password"],
            new_password=data["new_password"],
            address=client_address(),
            throttle=login_throttle(),
        )
