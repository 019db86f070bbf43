"""Domain events: what happened in a domain, for the domains above it to react to.

Domains import one another in one direction only (docs/architecture.md). When a change below
must set off work above (a hazard changed, so its enterprise's safety-code colour may change),
the domain below publishes an event and `backend/wiring.py` holds the one table of who reacts,
in order. Handlers run at once, in the publisher's session and transaction: the reaction is
committed, or rolled back, with the change that caused it.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


class Event:
    """Base of the events below; each names its sender and what it carries."""


@dataclass(frozen=True)
class HazardChanged(Event):
    """A hazard was reported or changed (state, deadline, flags), by the hazards domain."""

    enterprise_id: int
    now: datetime | None = None


@dataclass(frozen=True)
class HazardReported(Event):
    """A hazard was reported (from a failed item or directly), by the hazards domain."""

    hazard: object  # backend.models.Hazard
    now: datetime | None = None


@dataclass(frozen=True)
class InspectionFinished(Event):
    """An inspection was scored and its hazards reported, by the inspections domain.
    `received_at` is the server's time of the finish."""

    inspection: object  # backend.models.Inspection (core knows no domain)
    received_at: datetime


@dataclass(frozen=True)
class CreditChanged(Event):
    """A bad credit record or a blacklist entry of the enterprise changed, by the credit
    domain (flushed before publishing)."""

    enterprise_id: int
    now: datetime | None = None


@dataclass(frozen=True)
class AccidentChanged(Event):
    """An accident was recorded or changed (counts, finding, investigation), by the accidents
    domain (flushed before publishing)."""

    accident: object  # backend.models.Accident
    now: datetime | None = None


@dataclass(frozen=True)
class RiskRegisterChanged(Event):
    """A risk point of the enterprise was saved, changed or deleted, by the risks domain
    (flushed before publishing): a red point weighs in the enterprise's class at once."""

    enterprise_id: int
    now: datetime | None = None


@dataclass(frozen=True)
class ClassChanged(Event):
    """The enterprise's effective class changed, by the classification domain."""

    enterprise_id: int
    effective_class: str
    now: datetime


Handler = Callable[[Event], None]
_handlers: dict[type[Event], tuple[Handler, ...]] = {}


def connect(table: Mapping[type[Event], Iterable[Handler]]) -> None:
    """Install the table of reactions (done once by the app factory, from wiring.py)."""
    _handlers.clear()
    _handlers.update({event: tuple(handlers) for event, handlers in table.items()})


def publish(event: Event) -> None:
    for handler in _handlers.get(type(event), ()):
        handler(event)
