"""Telling the supervisors that an entry flow broke (B1): an entry in the audit log, which
supervisors read (admin › Audit entries, action ``flow.error``), with the interaction, the
step and the reason. Written by a task after the commit: the webhook's transaction (where
the flow runs) never imports the audit log (the architecture's contract), and the entry
exists only if the interaction really went to the default queue."""

from __future__ import annotations

from audit.services import audit_record
from flows.models import FlowSession

ERROR_ACTION = "flow.error"


def flow_error_record(*, session_id: int) -> bool:
    """Record the session's error (once: the entry names the session)."""
    session = FlowSession.objects.select_related("flow", "step").filter(pk=session_id).first()
    if session is None or session.outcome != FlowSession.Outcome.ERROR:
        return False
    audit_record(
        actor=None,
        action=ERROR_ACTION,
        target=session.flow,
        details={
            "session_id": session.pk,
            "interaction_id": session.interaction_id,
            "step": session.step.name if session.step else None,
            "error": session.error,
            "routed_to": "the default queue",
        },
    )
    return True
