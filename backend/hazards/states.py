"""The states a hazard goes through, grouped as the rules read them."""

OPEN_STATUSES = frozenset({"reported", "rectifying", "submitted"})
# The hazard is still the enterprise's to rectify; `submitted` waits on an official (待核验).
UNRECTIFIED = ("reported", "rectifying")
AWAITING_VERIFICATION = "submitted"
ALL_STATUSES = OPEN_STATUSES | {"closed"}
