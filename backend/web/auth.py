"""Login and logout pages shared by the portal and the board: the same accounts and login
throttling as the API (users/auth.py), a session cookie instead of a bearer token."""

from dataclasses import dataclass

from flask import g, redirect, render_template, request, url_for

from ..core.errors import TooManyAttempts, Unauthorized
from ..core.http import client_address
from ..users.auth import authenticate, login_throttle
from . import security
from .messages import describe

PASSWORD_CHANGE_FIRST = "您的密码已被管理人员重置：请先在巡查 App 中修改密码，再登录本页面。"


@dataclass(frozen=True)
class Area:
    name: str  # the blueprint's name
    title: str
    roles: tuple[str, ...]
    home: str  # endpoint
    wrong_role: str


def login_page(area: Area):
    user = g.get("current_user")
    if request.method == "GET":
        if user is not None and user.role in area.roles:
            return redirect(url_for(area.home))
        return _form(area)
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    if not username or not password:
        return _form(area, "请输入用户名和密码。", username, 422)
    try:
        user = authenticate(username, password, client_address(), login_throttle())
    except TooManyAttempts as error:
        return _form(area, describe(error), username, 429)
    except Unauthorized:
        return _form(area, "用户名或密码错误。", username, 401)
    if user.role not in area.roles:
        return _form(area, area.wrong_role, username, 403)
    if user.must_change_password:
        return _form(area, PASSWORD_CHANGE_FIRST, username, 403)
    security.log_in(user)
    return redirect(url_for(area.home))


def logout_page(area: Area):
    security.log_out()
    return redirect(url_for(f"{area.name}.login"))


def _form(area: Area, error: str | None = None, username: str = "", status: int = 200):
    page = render_template("login.html", area=area, error=error, username=username)
    return page, status


def require_area_user(area: Area):
    """The logged-in user if their role belongs to the area; else the login page or 403."""
    user = g.get("current_user")
    if user is None:
        return None, redirect(url_for(f"{area.name}.login"))
    if user.role not in area.roles:
        page = render_template("error.html", status=403, message=area.wrong_role)
        return None, (page, 403)
    return user, None
