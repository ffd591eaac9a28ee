"""The survey's answer choices as an administrator writes them, and as WhatsApp takes them.

One choice per line, ``<score> <title>`` (``5 Very good``). Up to three choices go out as
reply buttons (titles of at most 20 characters), four to ten as a list (titles of at most
24): WhatsApp's limits (``whatsapp.limits``), checked here so the admin refuses what
Meta would refuse, with the reason.
"""

from __future__ import annotations

from django.utils.translation import gettext

from whatsapp.limits import BUTTON_TITLE_MAX, BUTTONS_MAX, ROW_TITLE_MAX, ROWS_MAX

#: The reply id of a choice: ``survey:<request id>:<score>`` (we set it; the customer's tap
#: brings it back, so the answer names its survey without a lookup by sender).
REPLY_PREFIX = "survey:"
SCORE_MAX = 10


def choices_parse(text: str) -> list[tuple[int, str]]:
    """The ``(score, title)`` pairs of ``text``; ValueError with the reason when WhatsApp
    (or a report) could not take them."""
    choices: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        score_text, _, title = line.partition(" ")
        title = title.strip()
        if not score_text.isdigit() or not 1 <= int(score_text) <= SCORE_MAX or not title:
            raise ValueError(
                gettext(
                    "line %(number)d (%(line)s): write a score from 1 to %(max)d, a space and the "
                    "title, e.g. '5 Very good'"
                )
                % {"number": number, "line": repr(line), "max": SCORE_MAX}
            )
        choices.append((int(score_text), title))
    if len(choices) < 2:
        raise ValueError(gettext("give at least two choices, one per line"))
    if len(choices) > ROWS_MAX:
        raise ValueError(
            gettext("%(count)d choices: WhatsApp allows %(buttons)d reply buttons or %(rows)d list rows")
            % {"count": len(choices), "buttons": BUTTONS_MAX, "rows": ROWS_MAX}
        )
    limit = BUTTON_TITLE_MAX if len(choices) <= BUTTONS_MAX else ROW_TITLE_MAX
    kind = gettext("reply buttons") if len(choices) <= BUTTONS_MAX else gettext("list rows")
    for _score, title in choices:
        if len(title) > limit:
            raise ValueError(
                gettext("%(title)s is %(length)d characters; %(what)s allow at most %(max)d")
                % {"title": repr(title), "length": len(title), "what": kind, "max": limit}
            )
    scores = [score for score, _title in choices]
    if len(set(scores)) != len(scores):
        raise ValueError(gettext("each choice needs its own score"))
    titles = [title.casefold() for _score, title in choices]
    if len(set(titles)) != len(titles):
        raise ValueError(gettext("each choice needs its own title"))
    return choices


def reply_id(request_id: int, score: int) -> str:
    return f"{REPLY_PREFIX}{request_id}:{score}"


def reply_id_parse(value: str) -> tuple[int, int] | None:
    """``(request id, score)`` of a survey reply id, None for any other reply."""
    if not value.startswith(REPLY_PREFIX):
        return None
    request_text, _, score_text = value.removeprefix(REPLY_PREFIX).partition(":")
    if not (request_text.isdigit() and score_text.isdigit() and len(request_text) <= 18):
        return None
    return int(request_text), int(score_text)
