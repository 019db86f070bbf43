from .base import Base, utcnow
from .enterprise import RISK_CLASSES, STANDARDISATION_GRADES, Enterprise
from .jurisdiction import LEVELS, Jurisdiction
from .user import ENTERPRISE_ROLES, JURISDICTION_ROLES, ROLES, AccessToken, LoginFailure, User

__all__ = [
    "AccessToken",
    "Base",
    "ENTERPRISE_ROLES",
    "Enterprise",
    "JURISDICTION_ROLES",
    "Jurisdiction",
    "LEVELS",
    "LoginFailure",
    "RISK_CLASSES",
    "ROLES",
    "STANDARDISATION_GRADES",
    "User",
    "utcnow",
]
