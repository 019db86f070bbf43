from .base import Base, utcnow
from .classification import (
    CLASSIFICATION_CHANGE_KINDS,
    ENTERPRISE_CLASSES,
    PLAN_STATUSES,
    ClassificationChange,
    EnterpriseClassification,
    InspectionPlan,
)
from .credit import (
    ACCIDENT_LEVELS,
    ACCIDENT_TERM_YEARS,
    BAD_RECORD_SOURCES,
    BAD_RECORD_STATUSES,
    BAD_RECORD_TRIGGERS,
    BLACKLIST_STATES,
    BLACKLIST_TRIGGERS,
    CANDIDATE_TRIGGERS,
    REMOVAL_KINDS,
    BadCreditRecord,
    BadCreditRecordEvent,
    BlacklistEntry,
    BlacklistEvent,
    Commitment,
)
from .enterprise import RISK_CLASSES, STANDARDISATION_GRADES, Enterprise
from .hazard import HAZARD_ACTIONS, HAZARD_GRADES, HAZARD_STATUSES, Hazard, HazardAction
from .inspection import FINDING_RESULTS, INSPECTION_KINDS, ChecklistVersion, Finding, Inspection
from .job_lock import JobLock
from .jurisdiction import LEVELS, Jurisdiction
from .media import MediaObject, Photo
from .notification import NOTIFICATION_KINDS, Notification
from .safety_code import SAFETY_CODE_COLORS, SafetyCode, ScanRecord
from .sync import IdempotencyKey, SyncChange, SyncCounter, SyncRejection
from .user import ENTERPRISE_ROLES, JURISDICTION_ROLES, ROLES, AccessToken, LoginFailure, User

__all__ = [
    "ACCIDENT_LEVELS",
    "ACCIDENT_TERM_YEARS",
    "BAD_RECORD_SOURCES",
    "BAD_RECORD_STATUSES",
    "BAD_RECORD_TRIGGERS",
    "BLACKLIST_STATES",
    "BLACKLIST_TRIGGERS",
    "CLASSIFICATION_CHANGE_KINDS",
    "ENTERPRISE_CLASSES",
    "PLAN_STATUSES",
    "REMOVAL_KINDS",
    "CANDIDATE_TRIGGERS",
    "BadCreditRecord",
    "BadCreditRecordEvent",
    "BlacklistEntry",
    "BlacklistEvent",
    "ClassificationChange",
    "Commitment",
    "EnterpriseClassification",
    "InspectionPlan",
    "ChecklistVersion",
    "FINDING_RESULTS",
    "Finding",
    "HAZARD_GRADES",
    "HAZARD_STATUSES",
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
    "SAFETY_CODE_COLORS",
    "STANDARDISATION_GRADES",
    "SafetyCode",
    "ScanRecord",
    "User",
    "utcnow",
]
