from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, utcnow
from .department import Department
from .enterprise import Enterprise
from .jurisdiction import Jurisdiction

ROLES = {
    "admin": "系统管理员",
    "supervisor": "监管部门负责人",
    "inspector": "监管执法人员",
    "department_official": "行业主管部门人员",
    "grid_worker": "网格员",
    "enterprise_manager": "企业安全管理人员",
    "enterprise_principal": "企业主要负责人",
    "enterprise_viewer": "企业查看人员",
}
JURISDICTION_ROLES = ("admin", "supervisor", "inspector", "grid_worker")
# A department official's scope is their department's: its industries inside its territory.
DEPARTMENT_ROLES = ("department_official",)
# The principal (主要负责人) reads what a viewer reads and signs the enterprise's commitment.
ENTERPRISE_ROLES = ("enterprise_manager", "enterprise_principal", "enterprise_viewer")


class User(TimestampMixin, Base):
    """One role each; scoped to a jurisdiction subtree, to one enterprise, or to a department.

    An admin without a jurisdiction administers the whole system.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'supervisor', 'inspector', 'enterprise_manager', "
            "'enterprise_principal', 'enterprise_viewer', 'department_official', 'grid_worker')",
            name="role",
        ),
        CheckConstraint(
            "(role IN ('enterprise_manager', 'enterprise_principal', 'enterprise_viewer')"
            " AND enterprise_id IS NOT NULL"
            " AND jurisdiction_id IS NULL AND department_id IS NULL)"
            " OR (role IN ('supervisor', 'inspector', 'grid_worker')"
            " AND jurisdiction_id IS NOT NULL"
            " AND enterprise_id IS NULL AND department_id IS NULL)"
            " OR (role = 'department_official' AND department_id IS NOT NULL"
            " AND jurisdiction_id IS NULL AND enterprise_id IS NULL)"
            " OR (role = 'admin' AND enterprise_id IS NULL AND department_id IS NULL)",
            name="scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when someone else reset the password: until its holder picks a new one, their
    # tokens reach only the password change, their own account and logging out.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    jurisdiction: Mapped[Jurisdiction | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def is_enterprise_user(self) -> bool:
        return self.role in ENTERPRISE_ROLES


class AccessToken(Base):
    """An opaque bearer token, kept only as its SHA-256 digest."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A failed login, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


ACCOUNT_EVENTS = ("password_reset", "password_changed")
ACCOUNT_EVENT_SOURCES = ("api", "cli")


class AccountEvent(Base):
    """The audit trail of an account's password: who reset or changed it, whose, when, and
    through what (never the password itself)."""

    __tablename__ = "account_events"
    __table_args__ = (
        CheckConstraint("event IN ('password_reset', 'password_changed')", name="event"),
        CheckConstraint("source IN ('api', 'cli')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # None: an operator at the command line, who has no account of their own.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
