"""Who reacts to what: the one table of domain events and their handlers, in order.

A domain publishes an event (backend/core/events.py) when a change must set off work in a
domain above it; the handlers run in the same session. Only the app factory imports this.
"""

from .classification import services as classification
from .core import events
from .credit import blacklist
from .credit import records as credit
from .plans import services as inspection_plans
from .safety_code import services as safety_code


def _recolour(event) -> None:
    safety_code.refresh_safety_code_color(event.enterprise_id, event.now)


def _propose_credit_candidate(event: events.HazardReported) -> None:
    credit.propose_major_hazard_found(event.hazard, event.now)


def _propose_accident_consequences(event: events.AccidentChanged) -> None:
    credit.propose_for_accident(event.accident, event.now)
    blacklist.propose_for_accident(event.accident, event.now)


def _complete_plan(event: events.InspectionFinished) -> None:
    inspection_plans.complete_plans_for(event.inspection, event.received_at)


def _reclassify(event: events.CreditChanged | events.RiskRegisterChanged) -> None:
    classification.reclassify_enterprise(event.enterprise_id, now=event.now)


def _redate_plan(event: events.ClassChanged) -> None:
    inspection_plans.follow_class(event.enterprise_id, event.effective_class, event.now)


HANDLERS: dict[type[events.Event], list] = {
    # A hazard's change may change its enterprise's safety-code colour (常安码).
    events.HazardChanged: [_recolour],
    # A major hazard an official found is a credit candidate (执法检查发现重大隐患).
    events.HazardReported: [_propose_credit_candidate],
    # A responsible fatal accident is a credit candidate, and the accident shows the blacklist
    # entry it proposes (both for a supervisor to decide).
    events.AccidentChanged: [_propose_accident_consequences],
    # A finished supervision inspection fulfils the enterprise's pending plan.
    events.InspectionFinished: [_complete_plan],
    # Credit moves the class first (and so the plan), then the colour, which reads both.
    events.CreditChanged: [_reclassify, _recolour],
    # A risk point saved, changed or deleted: a red point moves the class (then the colour).
    events.RiskRegisterChanged: [_reclassify, _recolour],
    # A new class re-dates the pending plan at once.
    events.ClassChanged: [_redate_plan],
}


def connect() -> None:
    events.connect(HANDLERS)
