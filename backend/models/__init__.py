from .base import Base, utcnow
from .enterprise import RISK_CLASSES, STANDARDISATION_GRADES, Enterprise
from .hazard import HAZARD_ACTIONS, HAZARD_GRADES, HAZARD_STATUSES, Hazard, HazardAction
from .inspection import FINDING_RESULTS, INSPECTION_KINDS, ChecklistVersion, Finding, Inspection
from .job_lock import JobLock
from .jurisdiction import LEVELS, Jurisdiction
from .media import MediaObject, Photo
from .notification import NOTIFICATION_KINDS, CreditCandidate, Notification
from .sync import IdempotencyKey, SyncChange, SyncCounter, SyncRejection
from .user import ENTERPRISE_ROLES, JURISDICTION_ROLES, ROLES, AccessToken, LoginFailure, User

__all__ = [
    "ChecklistVersion",
    "FINDING_RESULTS",
    "Finding",
    "HAZARD_GRADES",
    "HAZARD_STATUSES",
    "CreditCandidate",
    "HAZARD_ACTIONS",
    "Hazard",
    "HazardAction",
    "JobLock",
    "NOTIFICATION_KINDS",
    "Notification",
    "INSPECTION_KINDS",
    "Inspection",
    "IdempotencyKey",
    "MediaObject",
    "SyncChange",
    "SyncCounter",
    "SyncRejection",
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
