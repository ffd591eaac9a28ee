"""Templates: their rules (T3, T4, T5) and filling them into a message (T2, T3, T4).

One module answers both questions a content manager and an agent ask: is this template
well formed (the admin's validation), and what exactly goes to WhatsApp once its
parameters are filled (the Notification editor's preview and Send). The limits are
WhatsApp's (reference §6, §8) and the source product's (SPEC T3, T4).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict

from django.utils.translation import gettext, gettext_lazy, gettext_noop

from conversations.exceptions import DomainError
from templates_app.choices import TemplateHeaderType, TemplateKind, TemplateParameterFormat, TemplateStatus
from templates_app.parameter_kinds import (
    VALUE_BUTTON_TYPES,
    ParameterError,
    button_component,
    location_component,
    location_value,
)
from templates_app.parameter_labels import ParameterLabel, SlotLabels, slot_labels
from whatsapp import limits

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a development dependency: for the checker only

    from templates_app.models import MessageTemplate

NAME = re.compile(r"^[a-z0-9_]{1,512}$")
#: A template parameter as written in its text: ``{{1}}``.
PARAMETER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
#: A named parameter (G1, ``parameter_format`` NAMED): ``{{first_name}}``.
NAMED_PARAMETER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
#: Anything in double braces that is a word, however written (to name what is wrong).
WORD_PARAMETER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: WhatsApp refuses template parameters with new lines, tabs or more than four spaces in a row.
BAD_PARAMETER = re.compile(r"[\n\r\t]| {5,}")

#: Button types the product sends parameters for; the others are pulled from Meta as they are.
TEMPLATE_BUTTON_TYPES = frozenset(
    {
        "quick_reply",
        "url",
        "phone_number",
        "copy_code",
        "otp",
        "flow",
        "voice_call",
        "mpm",
        "spm",
        "catalog",
        "app",
        "call_permission_request",
        "request_contact_info",
    }
)
META_ONLY_BUTTON_TYPES = TEMPLATE_BUTTON_TYPES - {"quick_reply", "url", "phone_number"}

K = TemplateKind
NOTIFICATION_KINDS = (K.NOTIFICATION, K.RICH_MEDIA)
MEDIA_HEADERS = (TemplateHeaderType.IMAGE, TemplateHeaderType.VIDEO, TemplateHeaderType.DOCUMENT)

# Messages said in more than one place (translated where they are said).
NAMED_NOT_NUMBERED = gettext_noop("a template with named parameters writes them as {{first_name}}, not {{1}}")
BUTTON_TEXT = gettext_noop("each button text is 1 to %(max)s characters")
#: ``_values``'s refusals, one sentence per part (a language's grammar may differ by part).
PART_REFUSALS = {
    "header": {
        "unknown": gettext_noop("the header has no parameter %(parameter)s"),
        "not_a_list": gettext_noop("the header parameters are a list of texts"),
        "count": gettext_noop("the header has %(count)s parameter(s); %(given)s given"),
    },
    "body": {
        "unknown": gettext_noop("the body has no parameter %(parameter)s"),
        "not_a_list": gettext_noop("the body parameters are a list of texts"),
        "count": gettext_noop("the body has %(count)s parameter(s); %(given)s given"),
    },
}


def template_parameters(text: str) -> list[int]:
    """The ``{{n}}`` parameter numbers of a template text, in order of appearance."""
    return [int(n) for n in PARAMETER.findall(text or "")]


def template_render(text: str, values: dict[int, str]) -> str:
    """Fill ``{{n}}`` placeholders (what the customer will read)."""
    return PARAMETER.sub(lambda m: values.get(int(m.group(1)), m.group(0)), text or "")


def is_named(template: MessageTemplate) -> bool:
    return template.parameter_format == TemplateParameterFormat.NAMED


def named_parameters(text: str) -> list[str]:
    """The distinct ``{{name}}`` parameters of a text, in order of first appearance."""
    return list(dict.fromkeys(NAMED_PARAMETER.findall(text or "")))


def named_render(text: str, values: dict[str, str]) -> str:
    """Fill ``{{name}}`` placeholders."""
    return NAMED_PARAMETER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


#: Why a template Meta holds cannot be sent, by its status (only APPROVED ones can): the
#: end of "the template 'x' [en_US] …", in the request's language when it is shown.
REFUSALS: dict[str, StrPromise] = {
    TemplateStatus.DRAFT: gettext_lazy("has not been submitted to Meta"),
    TemplateStatus.PENDING: gettext_lazy("is still in review at Meta"),
    TemplateStatus.REJECTED: gettext_lazy("was rejected by Meta"),
    TemplateStatus.PAUSED: gettext_lazy(
        "is paused by Meta for low quality (customers reported or blocked it)"
    ),
    TemplateStatus.DISABLED: gettext_lazy(
        "is disabled by Meta for repeated low quality and can no longer be sent"
    ),
    TemplateStatus.DELETED: gettext_lazy("was deleted at Meta"),
    TemplateStatus.PENDING_DELETION: gettext_lazy("is being deleted at Meta"),
    TemplateStatus.ARCHIVED: gettext_lazy("is archived at Meta for inactivity"),
    TemplateStatus.LOCKED: gettext_lazy("is locked at Meta"),
    TemplateStatus.FLAGGED: gettext_lazy("is flagged by Meta for low quality"),
    TemplateStatus.IN_APPEAL: gettext_lazy("is in appeal at Meta"),
    TemplateStatus.LIMIT_EXCEEDED: gettext_lazy("exceeds the account's template limit at Meta"),
}


def template_refusal(template: MessageTemplate) -> str | None:
    """Why an agent may not send this template now (None: it may), in plain words.

    Notifications need Meta's approval (status APPROVED); our interactive messages need
    none, but a disabled or deleted one is gone.
    """
    status = template.status
    if template.kind in NOTIFICATION_KINDS:
        if status == TemplateStatus.APPROVED:
            return None
    elif status not in (TemplateStatus.DISABLED, TemplateStatus.DELETED):
        return None
    refusal = REFUSALS.get(status)
    why = str(refusal) if refusal else gettext("has the status %(status)s at Meta") % {"status": status}
    details = []
    if template.status_reason:  # Meta's words, as Meta gave them
        details.append(gettext("reason: %(reason)s") % {"reason": template.status_reason})
    if template.quality_score and status in (
        TemplateStatus.PAUSED,
        TemplateStatus.DISABLED,
        TemplateStatus.FLAGGED,
    ):
        details.append(gettext("quality: %(score)s") % {"score": template.quality_score})
    shown = f" ({'; '.join(details)})" if details else ""
    return gettext(
        "the template %(name)s [%(language)s] %(why)s%(details)s; only APPROVED templates can be sent"
    ) % {"name": repr(template.name), "language": template.language, "why": why, "details": shown}


class TemplateError(DomainError):
    code = "template_invalid"


# --- is the template well formed (T5) --------------------------------------------------------


def template_problems(template: MessageTemplate) -> dict[str, list[str]]:
    """Every content or format error of a template, by field (empty: it is well formed),
    in the active language (the request's: the admin form, the API)."""
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    interactive = template.kind in (K.REPLY_BUTTONS, K.LIST)
    if not interactive and not NAME.match(template.name or ""):
        add("name", gettext("WhatsApp template names use lowercase letters, digits and underscores only"))
    header_type = template.header_type
    if header_type == TemplateHeaderType.TEXT:
        if not template.header_text.strip():
            add("header_text", gettext("a text header needs its text"))
        if len(template.header_text) > limits.TEXT_HEADER_MAX:
            add(
                "header_text",
                gettext("the header is limited to %(max)s characters") % {"max": limits.TEXT_HEADER_MAX},
            )
        header_numbers = PARAMETER.findall(template.header_text)
        header_names = NAMED_PARAMETER.findall(template.header_text)
        if len(header_numbers) + len(header_names) > 1:
            add("header_text", gettext("a header may have one parameter at most"))
        elif is_named(template) and header_numbers:
            add("header_text", gettext(NAMED_NOT_NUMBERED))
        elif header_numbers and header_numbers[0].lstrip("0") != "1":
            add(
                "header_text",
                gettext("%(parameter)s: a header's parameter is {{1}}")
                % {"parameter": "{{" + header_numbers[0][:12] + "}}"},
            )
    elif template.header_text:
        add("header_text", gettext("header text is only used with a text header"))
    if header_type in MEDIA_HEADERS and template.kind == K.NOTIFICATION:
        add("header_type", gettext("a media header makes this a rich media notification: choose that kind"))
    if header_type == TemplateHeaderType.LOCATION and interactive:
        add("header_type", gettext("interactive messages cannot have a location header"))
    if template.kind == K.LIST and header_type not in (
        TemplateHeaderType.NONE,
        TemplateHeaderType.TEXT,
    ):
        add("header_type", gettext("list messages only have a text header"))
    body_max = limits.LIST_BODY_MAX if template.kind == K.LIST else limits.TEMPLATE_BODY_MAX
    if not template.body.strip():
        add("body", gettext("the body is required"))
    elif len(template.body) > body_max:
        add("body", gettext("the body is limited to %(max)s characters") % {"max": body_max})
    if is_named(template):
        for message in _named_problems(template):
            add("body", message)
    else:
        bad_placeholders = _bad_placeholders(template.body)
        for placeholder in bad_placeholders:
            add(
                "body",
                gettext("%(parameter)s: parameters are numbered {{1}} to %(last)s")
                % {"parameter": placeholder, "last": "{{" + str(limits.TEMPLATE_PARAMETERS_MAX) + "}}"},
            )
        numbers = [] if bad_placeholders else template_parameters(template.body)
        if numbers and sorted(set(numbers)) != list(range(1, max(numbers) + 1)):
            add("body", gettext("parameters are numbered {{1}}, {{2}}, … without gaps"))
        if not interactive and (words := WORD_PARAMETER.findall(template.body)):
            add(
                "body",
                gettext(
                    "%(parameter)s: a positional template numbers its parameters; choose named parameters"
                )
                % {"parameter": "{{" + words[0][:40] + "}}"},
            )
    if len(template.footer) > limits.FOOTER_MAX:
        add("footer", gettext("the footer is limited to %(max)s characters") % {"max": limits.FOOTER_MAX})
    for message in _button_problems(template):
        add("buttons", message)
    if template.kind == K.LIST:
        for message in _list_problems(template):
            add("sections", message)
    elif template.sections or template.list_button:
        add("sections", gettext("sections and a list button belong to list messages only"))
    return problems


def _named_problems(template: MessageTemplate) -> list[str]:
    """Meta's rules for named parameters: lowercase letters, digits and underscores, no numbers."""
    problems = []
    if PARAMETER.findall(template.body):
        problems.append(gettext(NAMED_NOT_NUMBERED))
    for word in WORD_PARAMETER.findall(template.body):
        if not NAMED_PARAMETER.fullmatch("{{" + word + "}}"):
            problems.append(
                gettext("%(parameter)s: named parameters use lowercase letters, digits and underscores")
                % {"parameter": "{{" + word[:40] + "}}"}
            )
    if len(named_parameters(template.body)) > limits.TEMPLATE_PARAMETERS_MAX:
        problems.append(
            gettext("a body has at most %(max)s parameters") % {"max": limits.TEMPLATE_PARAMETERS_MAX}
        )
    return problems


def _bad_placeholders(text: str) -> list[str]:
    """The ``{{n}}`` of ``text`` numbered outside 1..PARAMETERS_MAX, as written (shortened).

    Checked on the digits as written, before any is turned into a number or a range: a
    typo such as ``{{99999999999999999999}}`` must cost nothing and name itself.
    """
    bad = []
    for digits in PARAMETER.findall(text or ""):
        if (
            len(digits.lstrip("0")) > len(str(limits.TEMPLATE_PARAMETERS_MAX))
            or not 1 <= int(digits) <= limits.TEMPLATE_PARAMETERS_MAX
        ):
            shown = digits if len(digits) <= 24 else f"{digits[:20]}…"
            bad.append(f"{{{{{shown}}}}}")
    return bad


def _button_problems(template: MessageTemplate) -> list[str]:
    buttons = template.buttons or []
    if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
        return [gettext("buttons are a list of objects")]
    kinds = [b.get("type") for b in buttons]
    if template.kind == K.LIST:
        return [gettext("list messages have rows in sections, not buttons")] if buttons else []
    if template.kind == K.REPLY_BUTTONS:
        errors = []
        if not 1 <= len(buttons) <= 3:
            errors.append(gettext("reply buttons: 1 to 3 buttons"))
        if any(kind != "reply" for kind in kinds):
            errors.append(gettext("reply buttons are of type 'reply'"))
        texts = [str(b.get("text", "")) for b in buttons]
        if any(not t.strip() or len(t) > limits.BUTTON_TITLE_MAX for t in texts):
            errors.append(gettext(BUTTON_TEXT) % {"max": limits.BUTTON_TITLE_MAX})
        if len(set(texts)) != len(texts):
            errors.append(gettext("button texts must differ"))
        return errors
    errors = []
    quick = kinds.count("quick_reply")
    urls, phones = kinds.count("url"), kinds.count("phone_number")
    if set(kinds) - TEMPLATE_BUTTON_TYPES:
        errors.append(
            gettext("template buttons are %(types)s") % {"types": ", ".join(sorted(TEMPLATE_BUTTON_TYPES))}
        )
    if set(kinds) & META_ONLY_BUTTON_TYPES:  # Meta judges these (created in WhatsApp Manager, pulled)
        return errors
    if quick and (urls or phones):
        errors.append(gettext("use QuickReply buttons or CallToAction buttons, not both"))
    if quick > limits.QUICK_REPLIES_MAX:
        errors.append(gettext("up to %(max)s QuickReply buttons") % {"max": limits.QUICK_REPLIES_MAX})
    if urls > limits.URL_BUTTONS_MAX or phones > limits.PHONE_BUTTONS_MAX:
        errors.append(
            gettext("CallToAction: up to %(urls)s website buttons and %(phones)s phone button")
            % {"urls": limits.URL_BUTTONS_MAX, "phones": limits.PHONE_BUTTONS_MAX}
        )
    for button in buttons:
        text = str(button.get("text", ""))
        if not text.strip() or len(text) > limits.TEMPLATE_BUTTON_TEXT_MAX:
            errors.append(gettext(BUTTON_TEXT) % {"max": limits.TEMPLATE_BUTTON_TEXT_MAX})
        if button.get("type") == "url":
            url = str(button.get("url", ""))
            if not url.startswith(("https://", "http://")):
                errors.append(gettext("a website button needs an http(s) URL"))
            if "{{" in url and not re.search(r"\{\{\s*1\s*\}\}$", url):
                errors.append(gettext("a dynamic website URL ends with {{1}} (the parameter is appended)"))
        if button.get("type") == "phone_number" and not re.fullmatch(
            r"\+\d{6,19}", str(button.get("phone_number", ""))
        ):
            errors.append(gettext("a phone button needs a number in international form (+…)"))
    return errors


def _list_problems(template: MessageTemplate) -> list[str]:
    """WhatsApp's rules for list messages (what ``payloads.list_message`` enforces at send)."""
    errors = []
    if not template.list_button.strip() or len(template.list_button) > limits.BUTTON_TITLE_MAX:
        errors.append(
            gettext("the list button label is 1 to %(max)s characters") % {"max": limits.BUTTON_TITLE_MAX}
        )
    sections = template.sections or []
    if not isinstance(sections, list) or not 1 <= len(sections) <= limits.SECTIONS_MAX:
        return [*errors, gettext("a list has 1 to %(max)s sections") % {"max": limits.SECTIONS_MAX}]
    rows: list[Any] = []
    readable = True  # every section is an object with a list of rows
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, dict):
            errors.append(
                gettext('section %(number)s is not an object like {"title": "…", "rows": […]}')
                % {"number": number}
            )
            readable = False
            continue
        title = section.get("title")
        if title is not None and not isinstance(title, str):
            errors.append(gettext("section %(number)s: its title is text") % {"number": number})
        elif len(title or "") > limits.SECTION_TITLE_MAX:
            errors.append(
                gettext("section %(number)s: titles are limited to %(max)s characters")
                % {"number": number, "max": limits.SECTION_TITLE_MAX}
            )
        elif len(sections) > 1 and not (title or "").strip():
            errors.append(
                gettext("section %(number)s needs a title when there are several sections")
                % {"number": number}
            )
        section_rows = section.get("rows")
        if not isinstance(section_rows, list) or not all(isinstance(row, dict) for row in section_rows):
            errors.append(
                gettext(
                    'section %(number)s: "rows" is a list of row objects like {"id": "am", "title": "Morning"}'
                )
                % {"number": number}
            )
            readable = False
            continue
        if not section_rows:
            errors.append(
                gettext("section %(number)s has no rows; each section needs at least one")
                % {"number": number}
            )
            readable = False
        rows.extend(section_rows)
    if readable and not 1 <= len(rows) <= limits.ROWS_MAX:  # a count of part of them would mislead
        errors.append(gettext("a list has 1 to %(max)s options in all") % {"max": limits.ROWS_MAX})
    ids: set[str] = set()
    for row in rows:
        if not str(row.get("title", "")).strip():
            errors.append(gettext("every option has a title"))
            continue
        if len(str(row["title"])) > limits.ROW_TITLE_MAX:
            errors.append(
                gettext("option titles are limited to %(max)s characters") % {"max": limits.ROW_TITLE_MAX}
            )
        if len(str(row.get("description", ""))) > limits.ROW_DESCRIPTION_MAX:
            errors.append(
                gettext("option descriptions are limited to %(max)s characters")
                % {"max": limits.ROW_DESCRIPTION_MAX}
            )
        row_id = str(row.get("id") or "")
        if not row_id.strip() or len(row_id) > limits.ROW_ID_MAX:
            errors.append(
                gettext("option %(option)s needs an id of 1 to %(max)s characters")
                % {"option": repr(str(row["title"])[: limits.ROW_TITLE_MAX]), "max": limits.ROW_ID_MAX}
            )
        elif row_id in ids:
            errors.append(gettext("option ids must differ; %(id)s is repeated") % {"id": repr(row_id[:40])})
        ids.add(row_id)
    return errors


# --- filling a template in (T2, T3, T4) -------------------------------------------------------------


class ButtonSlot(TypedDict):
    """A button whose value the agent gives: a dynamic URL's suffix (``url``), or (G1) a
    coupon code (``copy_code``), a one-time code (``otp``) or a flow token (``flow``, optional)."""

    index: int
    kind: str
    text: str
    url: str
    optional: bool


class ParameterSlots(TypedDict):
    """What the agent fills in: header and body parameters (numbers, or names when
    ``named``: the console labels each field by its name), dynamic URL suffixes, and the
    kind of file a media header needs (None: no media header); ``location``: the header is
    a place (G1), given as {latitude, longitude, name?, address?}. ``labels`` (U3): what
    each header and body parameter is, the console's field label, in their order."""

    named: bool
    header: list[int | str]
    body: list[int | str]
    labels: SlotLabels
    buttons: list[ButtonSlot]
    media_header: str | None
    location: bool


def parameter_slots(template: MessageTemplate) -> ParameterSlots:
    """What the agent fills in: header and body parameters, dynamic URL button suffixes."""
    named = is_named(template)
    header: list[int | str] = []
    if template.header_type == "text":
        header = list(
            named_parameters(template.header_text) if named else template_parameters(template.header_text)
        )
    body: list[int | str] = (
        list(named_parameters(template.body))
        if named
        else list(sorted(set(template_parameters(template.body))))
    )
    given = template.parameter_labels
    return {
        "named": named,
        "header": header,
        "body": body,
        "labels": {
            "header": slot_labels(
                part="header", slots=header, text=template.header_text, named=named, given=given
            ),
            "body": slot_labels(part="body", slots=body, text=template.body, named=named, given=given),
        },
        "buttons": [
            {
                "index": i,
                "kind": str(b.get("type")),
                "text": str(b.get("text") or ""),
                "url": str(b.get("url") or ""),
                "optional": b.get("type") == "flow",
            }
            for i, b in enumerate(template.buttons or [])
            if (b.get("type") == "url" and "{{" in str(b.get("url", "")))
            or b.get("type") in VALUE_BUTTON_TYPES
        ],
        "media_header": template.header_type if template.header_type in MEDIA_HEADERS else None,
        "location": template.header_type == TemplateHeaderType.LOCATION,
    }


def parameter_keys(template: MessageTemplate) -> list[str]:
    """U3: the keys a content manager may label: "header.1", "body.1", "body.first_name"."""
    labels = parameter_slots(template)["labels"]
    return [label["key"] for label in [*labels["header"], *labels["body"]]]


@dataclass
class Composed:
    """A filled template: the message type, its transcript text, and its content."""

    type: str
    body: str
    content: dict[str, Any] = field(default_factory=dict)


def _parameter(value: Any, *, where: str, field: str) -> str:
    """A parameter's value; the error names the input (``field``: "body.2", "buttons.0")."""
    text = str(value if value is not None else "")
    if not text.strip():
        raise TemplateError(gettext("%(input)s is empty") % {"input": where}, field=field)
    if BAD_PARAMETER.search(text):
        raise TemplateError(
            gettext("%(input)s may not contain new lines, tabs or more than four spaces in a row")
            % {"input": where},
            field=field,
        )
    return text


def compose(template: MessageTemplate, *, parameters: dict[str, Any] | None = None) -> Composed:
    """Fill ``template`` with the agent's parameters; TemplateError says what is wrong.

    ``parameters``: {"header": ["…"], "body": ["…", "…"], "buttons": {"<index>": "suffix"}}.
    """
    problems = template_problems(template)
    if problems:
        first = next(iter(problems.values()))[0]
        raise TemplateError(
            gettext("the template %(name)s is not well formed: %(problem)s")
            % {"name": repr(template.name), "problem": first}
        )
    parameters = parameters or {}
    slots = parameter_slots(template)
    labels = slots["labels"]
    header_values = _values(
        parameters.get("header"), slots["header"], "header", named=slots["named"], labels=labels["header"]
    )
    body_values = _values(
        parameters.get("body"), slots["body"], "body", named=slots["named"], labels=labels["body"]
    )
    if slots["named"]:
        header = named_render(
            template.header_text, dict(zip(map(str, slots["header"]), header_values, strict=True))
        )
        body = named_render(template.body, dict(zip(map(str, slots["body"]), body_values, strict=True)))
    else:
        header = template_render(template.header_text, dict(enumerate(header_values, start=1)))
        body = template_render(template.body, dict(enumerate(body_values, start=1)))
    if len(header) > limits.TEXT_HEADER_MAX:
        raise TemplateError(
            gettext("with its parameter the header is %(length)s characters; the limit is %(max)s")
            % {"length": len(header), "max": limits.TEXT_HEADER_MAX}
        )
    body_max = limits.LIST_BODY_MAX if template.kind == K.LIST else limits.TEMPLATE_BODY_MAX
    if len(body) > body_max:
        raise TemplateError(
            gettext("with its parameters the body is %(length)s characters; the limit is %(max)s")
            % {"length": len(body), "max": body_max}
        )
    rendered = {"header": header, "body": body, "footer": template.footer, "buttons": template.buttons or []}
    if template.kind in NOTIFICATION_KINDS:
        return _notification(template, header_values, body_values, parameters, slots, body, rendered)
    return _interactive(template, header, body, rendered)


def _values(
    given: Any, slots: list[Any], where: str, *, named: bool = False, labels: list[ParameterLabel]
) -> list[str]:
    """The values of ``slots`` in their order: a list, or (named parameters) a dict by name.
    An error names the parameter as the agent's field does (U3: "“Order number” is empty")."""
    refusals = PART_REFUSALS[where]
    if named and isinstance(given, dict):
        unknown = sorted(str(k) for k in given if k not in slots)
        if unknown:
            raise TemplateError(
                gettext(refusals["unknown"]) % {"parameter": "{{" + unknown[0][:40] + "}}"}, field=where
            )
        given = [given.get(name) for name in slots]
    if isinstance(given, dict | str):
        raise TemplateError(gettext(refusals["not_a_list"]), field=where)
    values = list(given or [])
    count = len(slots)
    if len(values) != count:
        raise TemplateError(gettext(refusals["count"]) % {"count": count, "given": len(values)})
    return [
        _parameter(v, where=gettext("“%(label)s”") % {"label": label["label"]}, field=label["key"])
        for label, v in zip(labels, values, strict=True)
    ]


def _text_parameters(values: list[str], names: list[Any], named: bool) -> list[dict[str, str]]:
    if named:
        return [{"type": "text", "parameter_name": n, "text": v} for n, v in zip(names, values, strict=True)]
    return [{"type": "text", "text": v} for v in values]


def _notification(
    template: MessageTemplate,
    header_values: list[str],
    body_values: list[str],
    parameters: dict[str, Any],
    slots: ParameterSlots,
    body: str,
    rendered: dict[str, Any],
) -> Composed:
    components: list[dict[str, Any]] = []
    named = slots["named"]
    if header_values:
        components.append(
            {"type": "header", "parameters": _text_parameters(header_values, slots["header"], named)}
        )
    if slots["location"]:
        components.append(_given(lambda: location_component(location_value(parameters.get("location")))))
    if body_values:
        components.append({"type": "body", "parameters": _text_parameters(body_values, slots["body"], named)})
    suffixes = parameters.get("buttons") or {}
    if not isinstance(suffixes, dict):
        raise TemplateError(gettext("the buttons' values are an object by button index"), field="buttons")
    for slot in slots["buttons"]:
        if slot["kind"] in VALUE_BUTTON_TYPES:
            given = suffixes.get(str(slot["index"]), suffixes.get(slot["index"]))
            components.append(
                _given(partial(button_component, slot["kind"], slot["index"], given, text=slot["text"]))
            )
            continue
        suffix = _parameter(
            suffixes.get(str(slot["index"]), suffixes.get(slot["index"])),
            where=gettext("the %(button)s link") % {"button": repr(slot["text"])},
            field=f"buttons.{slot['index']}",
        )
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": str(slot["index"]),
                "parameters": [{"type": "text", "text": suffix}],
            }
        )
    for index, button in enumerate(template.buttons or []):
        if button.get("type") == "quick_reply":
            payload = str(button.get("payload") or button.get("text"))
            components.append(
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": str(index),
                    "parameters": [{"type": "payload", "payload": payload}],
                }
            )
    content: dict[str, Any] = {
        "template": {"name": template.name, "language": template.language, "components": components},
        "rendered": rendered,
        "template_id": template.pk,
    }
    if slots["media_header"]:
        content["media_header"] = slots["media_header"]  # the message's attachment fills it when sent
    return Composed(type="template", body=body, content=content)


def _given(build: Callable[[], dict[str, object]]) -> dict[str, object]:
    """A component built from a value of ``templates_app.parameter_kinds``; its error, ours."""
    try:
        return build()
    except ParameterError as exc:
        raise TemplateError(str(exc), field=exc.field) from None


def _interactive(template: MessageTemplate, header: str, body: str, rendered: dict[str, Any]) -> Composed:
    interactive: dict[str, Any] = {}
    if template.kind == K.REPLY_BUTTONS:
        interactive = {
            "type": "button",
            "buttons": [
                {"id": str(b.get("id") or b.get("text")), "title": str(b.get("text"))}
                for b in template.buttons
            ],
        }
    else:
        interactive = {"type": "list", "button": template.list_button, "sections": template.sections}
    if template.header_type == TemplateHeaderType.TEXT:
        interactive["header"] = {"type": "text", "text": header}
    if template.footer:
        interactive["footer"] = {"text": template.footer}
    content = {"interactive": interactive, "rendered": rendered, "template_id": template.pk}
    if template.header_type in MEDIA_HEADERS:
        content["media_header"] = template.header_type
    return Composed(type="interactive", body=body, content=content)
