"""What the portal and the board both show of a hazard: its history and its photos."""

from sqlalchemy import or_, select

from ..core.db import db
from ..core.timeutil import SHANGHAI
from ..hazards import services as service
from ..models import HAZARD_ACTIONS, HAZARD_STATUSES, ROLES, Hazard, Photo


def history_rows(hazard: Hazard) -> list[dict]:
    """The hazard's audit trail as the pages show it: Chinese labels, Beijing time."""
    return [
        {
            "label": HAZARD_ACTIONS.get(item["entry"].action, item["entry"].action),
            "at": item["entry"].received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            "role": ROLES.get(item["entry"].actor_role, "系统"),
            "note": item["entry"].note,
            "due_on_after": item["entry"].due_on_after,
            "to_status": HAZARD_STATUSES.get(item["entry"].to_status, ""),
            "photos": item["photos"],
        }
        for item in service.history(hazard)
    ]


def record_photos(hazard: Hazard) -> list[str]:
    """Photos attached to the hazard itself or to the finding that revealed it."""
    owners = [(Photo.owner_table == "hazards") & (Photo.owner_id == hazard.id)]
    if hazard.finding_id:
        owners.append((Photo.owner_table == "findings") & (Photo.owner_id == hazard.finding_id))
    return list(
        db.session.scalars(
            select(Photo.sha256).where(or_(*owners)).order_by(Photo.created_at, Photo.id)
        )
    )
