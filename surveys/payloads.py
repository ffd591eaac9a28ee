"""The one shape of a survey's result (B3), as the console's interaction details and the
contact's history show it (``conversations.payloads`` embeds it)."""

from __future__ import annotations

from typing import TypedDict

from conversations.models import Interaction
from surveys.models import SurveyRequest


class SurveyResult(TypedDict):
    """A survey sent after Done, on the interaction it rates (console details, history)."""

    sent_at: str
    agent_id: int | None
    score: int | None
    answer: str
    satisfied: bool | None
    answered_at: str | None
    comment: str


def survey_result(interaction: Interaction) -> SurveyResult | None:
    """The survey of ``interaction``, if one was sent (through the reverse one-to-one: a
    list reads it with ``select_related("survey")``)."""
    try:
        request: SurveyRequest = interaction.survey
    except SurveyRequest.DoesNotExist:
        return None
    return {
        "sent_at": request.sent_at.isoformat(),
        "agent_id": request.agent_id,
        "score": request.score,
        "answer": request.answer_title,
        "satisfied": request.satisfied,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "comment": request.comment,
    }
