"""U3: what each parameter of a template is, in words an agent reads.

An agent filling in a template should see "Order number", not "Body {{2}}". The words
come, in this order, from the content manager's label for that parameter
(``MessageTemplate.parameter_labels``, keyed like the errors of ``compose``: "body.2",
"header.1", "body.first_name"), from a named parameter's own name ("first_name" → "First
name"), else from where the parameter sits ("Body, 2nd value"). Each label carries the
text around its placeholder, so the agent also sees the sentence the value lands in.

Plain functions of texts and slots: the template rules (``templates_app.composition``)
call them, the admin form validates a content manager's labels with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypedDict

from django.contrib.humanize.templatetags.humanize import ordinal
from django.utils.translation import gettext as _

#: A label is a short name for a field (as long as a text header).
LABEL_MAX = 60
#: How much of the text either side of a placeholder the agent sees with it.
CONTEXT_CHARS = 32
#: Labels are one line of plain text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ParameterLabel(TypedDict):
    """A parameter as the agent's field shows it: ``key`` names it as errors do
    ("body.2"), ``label`` is what it is, ``context`` the text around it."""

    key: str
    label: str
    context: str


class SlotLabels(TypedDict):
    """The labels of the header's and the body's parameters, in the order of their slots."""

    header: list[ParameterLabel]
    body: list[ParameterLabel]


def parameter_key(part: str, slot: int | str) -> str:
    """The key of a parameter: "body.2", "header.1", "body.first_name"."""
    return f"{part}.{slot}"


def _ordinal(number: int) -> str:
    """ "2nd", "2.", "2º": Django's humanize, in the reader's language."""
    return str(ordinal(number))


def _part_name(part: str) -> str:
    return _("Header") if part == "header" else _("Body")


def fallback_label(part: str, position: int, count: int) -> str:
    """Where a parameter sits, for one nobody named: "Body value", "Body, 2nd value"."""
    if count == 1:
        return _("%(part)s value") % {"part": _part_name(part)}
    return _("%(part)s, %(ordinal)s value") % {"part": _part_name(part), "ordinal": _ordinal(position)}


def name_label(name: str) -> str:
    """A named parameter in words: "first_name" → "First name"."""
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def placeholder_context(text: str, slot: int | str) -> str:
    """The text around the first ``{{slot}}`` of ``text``, on one line, shortened at words:
    "…your order {{2}} is on its way…"."""
    flat = " ".join((text or "").split())
    match = re.search(r"\{\{\s*" + re.escape(str(slot)) + r"\s*\}\}", flat)
    if match is None:
        return ""
    start, end = max(0, match.start() - CONTEXT_CHARS), min(len(flat), match.end() + CONTEXT_CHARS)
    if start > 0 and " " in flat[start : match.start()]:
        start = flat.index(" ", start) + 1  # begin at a word
    if end < len(flat) and " " in flat[match.end() : end]:
        end = flat.rindex(" ", match.end(), end)  # end at a word
    shown = flat[start:end].strip()
    return f"{'…' if start > 0 else ''}{shown}{'…' if end < len(flat) else ''}"


def slot_labels(
    *,
    part: str,
    slots: Sequence[int | str],
    text: str,
    named: bool,
    given: object,
) -> list[ParameterLabel]:
    """The label of each of ``slots`` (a part's parameters, in order); ``given`` is the
    template's ``parameter_labels`` (what is not a usable text there is ignored: the
    admin refuses it, and a template pulled from Meta may have lost a parameter)."""
    labels = given if isinstance(given, dict) else {}
    result: list[ParameterLabel] = []
    for position, slot in enumerate(slots, start=1):
        key = parameter_key(part, slot)
        chosen = labels.get(key)
        if isinstance(chosen, str) and chosen.strip() and not label_text_problem(chosen):
            label = chosen.strip()
        elif named:
            label = name_label(str(slot))
        else:
            label = fallback_label(part, position, len(slots))
        result.append({"key": key, "label": label, "context": placeholder_context(text, slot)})
    return result


def label_text_problem(text: str) -> str | None:
    """Why ``text`` cannot label a field, or None."""
    if not text.strip():
        return _("a label needs some text (or leave the parameter out)")
    if len(text.strip()) > LABEL_MAX:
        return _("a label is at most %(max)d characters") % {"max": LABEL_MAX}
    if _CONTROL.search(text):
        return _("a label is one line of text")
    return None


def label_problems(given: object, *, keys: Sequence[str]) -> list[str]:
    """What is wrong with a content manager's ``parameter_labels`` for a template whose
    parameters are ``keys`` ("header.1", "body.1", …), each message naming its key."""
    if given in (None, "", {}):
        return []
    if not isinstance(given, dict):
        return [_('labels are an object like {"body.1": "Order number"}')]
    problems = []
    known = ", ".join(keys) if keys else _("none")
    for key, text in given.items():
        shown = str(key)[:40]
        if key not in keys:
            problems.append(
                _("%(key)s: this template has no such parameter (its parameters: %(known)s)")
                % {"key": shown, "known": known}
            )
        elif not isinstance(text, str):
            problems.append(_("%(key)s: a label is text") % {"key": shown})
        elif problem := label_text_problem(text):
            problems.append(f"{shown}: {problem}")
    return problems
