"""State machines of records that move through a procedure (a hazard to close-out, a blacklist
entry through notice, defence and publication): which action leads from which states to which,
and who may take it. Each domain keeps its own table and handlers; the check is this one."""

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import Conflict, Invalid
from .scope import Forbidden


@dataclass(frozen=True)
class Transition:
    from_states: frozenset[str]
    to_state: str | None  # None: the state stays (the action is still recorded)
    roles: frozenset[str]


def transition_for(transitions: Mapping[str, Transition], action: str) -> Transition:
    transition = transitions.get(action)
    if transition is None:
        raise Invalid(f"Unknown action {action}.", field="action")
    return transition


def check_allowed(transition: Transition, action: str, role: str, state: str, record: str) -> None:
    """403 for a role the action is not for; 409 naming the current state when the record is
    not in a state the action starts from. `record` names it: "a hazard"."""
    if role not in transition.roles:
        raise Forbidden(f"The role {role} may not {action} {record}.")
    if state not in transition.from_states:
        raise Conflict(
            f"{record[0].upper()}{record[1:]} that is {state} cannot take the action {action}.",
            current_state=state,
        )
