from .base import Base, utcnow
from .enterprise import RISK_CLASSES, STANDARDISATION_GRADES, Enterprise
from .hazard import HAZARD_GRADES, HAZARD_STATUSES, Hazard
from .inspection import FINDING_RESULTS, INSPECTION_KINDS, ChecklistVersion, Finding, Inspection
from .jurisdiction import LEVELS, Jurisdiction
from .media import MediaObject, Photo
from .user import ENTERPRISE_ROLES, JURISDICTION_ROLES, ROLES, AccessToken, LoginFailure, User

__all__ = [
    "ChecklistVersion",
    "FINDING_RESULTS",
    "Finding",
    "HAZARD_GRADES",
    "HAZARD_STATUSES",
    "Hazard",
    "INSPECTION_KINDS",
    "Inspection",
    "MediaObject",
    "Photo",
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
