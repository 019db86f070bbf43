"""The hazards domain's services, as other packages and the pages use them.

The rules live in the modules beside this one, each with its sources:

- `states.py`     the states a hazard goes through
- `deadlines.py`  rectification deadlines: overdue, which deadlines may be set
- `workflow.py`   the state machine: who may take which action from which state, the 五落实
                  plan, the audit trail; `apply_action` is the one entry point for every action
- `intake.py`     how hazards come in: from a failed item or reported on site, 立查立改
- `queries.py`    the filtered list the user may see, a hazard's history

This module only re-exports their public names, so importers need not know the split.
"""

from .deadlines import (
    MAX_DEADLINE_DAYS,
    days_overdue,
    is_overdue,
    overdue_clause,
    overdue_since,
)
from .intake import REPORTERS, RESERVED_IDS, report_from_finding, report_hazard
from .queries import SORTS, hazard_query, history, submitted_at
from .states import ALL_STATUSES, AWAITING_VERIFICATION, OPEN_STATUSES, UNRECTIFIED
from .workflow import (
    FIVE_IMPLEMENTATIONS,
    GOVERNANCE_PLAN,
    PLAN_FIELDS,
    REQUIRED_PLAN_FIELDS,
    TRANSITIONS,
    apply_action,
    may_close_itself,
    new_id,
    record_system_action,
    require_action_actor,
    require_may_act,
    require_may_take,
    roles_for,
)

__all__ = [
    "ALL_STATUSES",
    "AWAITING_VERIFICATION",
    "FIVE_IMPLEMENTATIONS",
    "GOVERNANCE_PLAN",
    "MAX_DEADLINE_DAYS",
    "OPEN_STATUSES",
    "PLAN_FIELDS",
    "REPORTERS",
    "REQUIRED_PLAN_FIELDS",
    "RESERVED_IDS",
    "SORTS",
    "TRANSITIONS",
    "UNRECTIFIED",
    "apply_action",
    "days_overdue",
    "hazard_query",
    "history",
    "is_overdue",
    "may_close_itself",
    "new_id",
    "overdue_clause",
    "overdue_since",
    "record_system_action",
    "report_from_finding",
    "report_hazard",
    "require_action_actor",
    "require_may_act",
    "require_may_take",
    "roles_for",
    "submitted_at",
]
