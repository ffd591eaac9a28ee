"""Templates: their rules (T3, T4, T5) and filling them into a message (T2, T3, T4).

One module answers both questions a content manager and an agent ask: is this template
well formed (the admin's validation), and what exactly goes to WhatsApp once its
parameters are filled (the Notification editor's preview and Send). The limits are
WhatsApp's (reference §6, §8) and the source product's (SPEC T3, T4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conversations.exceptions import DomainError
from templates_app.choices import TemplateHeaderType, TemplateKind
from whatsapp import limits

if TYPE_CHECKING:
    from templates_app.models import MessageTemplate

NAME = re.compile(r"^[a-z0-9_]{1,512}$")
#: A template parameter as written in its text: ``{{1}}``.
PARAMETER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
#: WhatsApp refuses template parameters with new lines, tabs or more than four spaces in a row.
BAD_PARAMETER = re.compile(r"[\n\r\t]| {5,}")

K = TemplateKind
NOTIFICATION_KINDS = (K.NOTIFICATION, K.RICH_MEDIA)
MEDIA_HEADERS = (TemplateHeaderType.IMAGE, TemplateHeaderType.VIDEO, TemplateHeaderType.DOCUMENT)


def template_parameters(text: str) -> list[int]:
    """The ``{{n}}`` parameter numbers of a template text, in order of appearance."""
    return [int(n) for n in PARAMETER.findall(text or "")]


def template_render(text: str, values: dict[int, str]) -> str:
    """Fill ``{{n}}`` placeholders (what the customer will read)."""
    return PARAMETER.sub(lambda m: values.get(int(m.group(1)), m.group(0)), text or "")


class TemplateError(DomainError):
    code = "template_invalid"


# --- is the template well formed (T5) --------------------------------------------------------


def template_problems(template: MessageTemplate) -> dict[str, list[str]]:
    """Every content or format error of a template, by field (empty: it is well formed)."""
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    interactive = template.kind in (K.REPLY_BUTTONS, K.LIST)
    if not interactive and not NAME.match(template.name or ""):
        add("name", "WhatsApp template names use lowercase letters, digits and underscores only")
    header_type = template.header_type
    if header_type == TemplateHeaderType.TEXT:
        if not template.header_text.strip():
            add("header_text", "a text header needs its text")
        if len(template.header_text) > limits.TEXT_HEADER_MAX:
            add("header_text", f"the header is limited to {limits.TEXT_HEADER_MAX} characters")
        header_numbers = PARAMETER.findall(template.header_text)
        if len(header_numbers) > 1:
            add("header_text", "a header may have one parameter at most")
        elif header_numbers and header_numbers[0].lstrip("0") != "1":
            add("header_text", f"{{{{{header_numbers[0][:12]}}}}}: a header's parameter is {{{{1}}}}")
    elif template.header_text:
        add("header_text", "header text is only used with a text header")
    if header_type in MEDIA_HEADERS and template.kind == K.NOTIFICATION:
        add("header_type", "a media header makes this a rich media notification: choose that kind")
    if header_type == TemplateHeaderType.LOCATION and interactive:
        add("header_type", "interactive messages cannot have a location header")
    if template.kind == K.LIST and header_type not in (
        TemplateHeaderType.NONE,
        TemplateHeaderType.TEXT,
    ):
        add("header_type", "list messages only have a text header")
    body_max = limits.LIST_BODY_MAX if template.kind == K.LIST else limits.TEMPLATE_BODY_MAX
    if not template.body.strip():
        add("body", "the body is required")
    elif len(template.body) > body_max:
        add("body", f"the body is limited to {body_max} characters")
    bad_placeholders = _bad_placeholders(template.body)
    for placeholder in bad_placeholders:
        add(
            "body",
            f"{placeholder}: parameters are numbered {{{{1}}}} to {{{{{limits.TEMPLATE_PARAMETERS_MAX}}}}}",
        )
    numbers = [] if bad_placeholders else template_parameters(template.body)
    if numbers and sorted(set(numbers)) != list(range(1, max(numbers) + 1)):
        add("body", "parameters are numbered {{1}}, {{2}}, … without gaps")
    if len(template.footer) > limits.FOOTER_MAX:
        add("footer", f"the footer is limited to {limits.FOOTER_MAX} characters")
    for message in _button_problems(template):
        add("buttons", message)
    if template.kind == K.LIST:
        for message in _list_problems(template):
            add("sections", message)
    elif template.sections or template.list_button:
        add("sections", "sections and a list button belong to list messages only")
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
        return ["buttons are a list of objects"]
    kinds = [b.get("type") for b in buttons]
    if template.kind == K.LIST:
        return ["list messages have rows in sections, not buttons"] if buttons else []
    if template.kind == K.REPLY_BUTTONS:
        errors = []
        if not 1 <= len(buttons) <= 3:
            errors.append("reply buttons: 1 to 3 buttons")
        if any(kind != "reply" for kind in kinds):
            errors.append("reply buttons are of type 'reply'")
        texts = [str(b.get("text", "")) for b in buttons]
        if any(not t.strip() or len(t) > limits.BUTTON_TITLE_MAX for t in texts):
            errors.append(f"each button text is 1 to {limits.BUTTON_TITLE_MAX} characters")
        if len(set(texts)) != len(texts):
            errors.append("button texts must differ")
        return errors
    errors = []
    quick = kinds.count("quick_reply")
    urls, phones = kinds.count("url"), kinds.count("phone_number")
    if set(kinds) - {"quick_reply", "url", "phone_number"}:
        errors.append("template buttons are quick_reply, url or phone_number")
    if quick and (urls or phones):
        errors.append("use QuickReply buttons or CallToAction buttons, not both")
    if quick > limits.QUICK_REPLIES_MAX:
        errors.append(f"up to {limits.QUICK_REPLIES_MAX} QuickReply buttons")
    if urls > limits.URL_BUTTONS_MAX or phones > limits.PHONE_BUTTONS_MAX:
        errors.append(
            f"CallToAction: up to {limits.URL_BUTTONS_MAX} website buttons and {limits.PHONE_BUTTONS_MAX} phone button"
        )
    for button in buttons:
        text = str(button.get("text", ""))
        if not text.strip() or len(text) > limits.TEMPLATE_BUTTON_TEXT_MAX:
            errors.append(f"each button text is 1 to {limits.TEMPLATE_BUTTON_TEXT_MAX} characters")
        if button.get("type") == "url":
            url = str(button.get("url", ""))
            if not url.startswith(("https://", "http://")):
                errors.append("a website button needs an http(s) URL")
            if "{{" in url and not re.search(r"\{\{\s*1\s*\}\}$", url):
                errors.append("a dynamic website URL ends with {{1}} (the parameter is appended)")
        if button.get("type") == "phone_number" and not re.fullmatch(
            r"\+\d{6,19}", str(button.get("phone_number", ""))
        ):
            errors.append("a phone button needs a number in international form (+…)")
    return errors


def _list_problems(template: MessageTemplate) -> list[str]:
    """WhatsApp's rules for list messages (what ``payloads.list_message`` enforces at send)."""
    errors = []
    if not template.list_button.strip() or len(template.list_button) > limits.BUTTON_TITLE_MAX:
        errors.append(f"the list button label is 1 to {limits.BUTTON_TITLE_MAX} characters")
    sections = template.sections or []
    if not isinstance(sections, list) or not 1 <= len(sections) <= limits.SECTIONS_MAX:
        return [*errors, f"a list has 1 to {limits.SECTIONS_MAX} sections"]
    rows: list[Any] = []
    readable = True  # every section is an object with a list of rows
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, dict):
            errors.append(f'section {number} is not an object like {{"title": "…", "rows": […]}}')
            readable = False
            continue
        title = section.get("title")
        if title is not None and not isinstance(title, str):
            errors.append(f"section {number}: its title is text")
        elif len(title or "") > limits.SECTION_TITLE_MAX:
            errors.append(f"section {number}: titles are limited to {limits.SECTION_TITLE_MAX} characters")
        elif len(sections) > 1 and not (title or "").strip():
            errors.append(f"section {number} needs a title when there are several sections")
        section_rows = section.get("rows")
        if not isinstance(section_rows, list) or not all(isinstance(row, dict) for row in section_rows):
            errors.append(
                f'section {number}: "rows" is a list of row objects like {{"id": "am", "title": "Morning"}}'
            )
            readable = False
            continue
        if not section_rows:
            errors.append(f"section {number} has no rows; each section needs at least one")
            readable = False
        rows.extend(section_rows)
    if readable and not 1 <= len(rows) <= limits.ROWS_MAX:  # a count of part of them would mislead
        errors.append(f"a list has 1 to {limits.ROWS_MAX} options in all")
    ids: set[str] = set()
    for row in rows:
        if not str(row.get("title", "")).strip():
            errors.append("every option has a title")
            continue
        if len(str(row["title"])) > limits.ROW_TITLE_MAX:
            errors.append(f"option titles are limited to {limits.ROW_TITLE_MAX} characters")
        if len(str(row.get("description", ""))) > limits.ROW_DESCRIPTION_MAX:
            errors.append(f"option descriptions are limited to {limits.ROW_DESCRIPTION_MAX} characters")
        row_id = str(row.get("id") or "")
        if not row_id.strip() or len(row_id) > limits.ROW_ID_MAX:
            errors.append(
                f"option {str(row['title'])[: limits.ROW_TITLE_MAX]!r} needs an id of 1 to {limits.ROW_ID_MAX} characters"
            )
        elif row_id in ids:
            errors.append(f"option ids must differ; {row_id[:40]!r} is repeated")
        ids.add(row_id)
    return errors


# --- filling a template in (T2, T3, T4) -------------------------------------------------------------


def parameter_slots(template: MessageTemplate) -> dict[str, Any]:
    """What the agent fills in: header and body parameters, dynamic URL button suffixes."""
    return {
        "header": template_parameters(template.header_text) if template.header_type == "text" else [],
        "body": sorted(set(template_parameters(template.body))),
        "buttons": [
            {"index": i, "text": b.get("text", ""), "url": b.get("url", "")}
            for i, b in enumerate(template.buttons or [])
            if b.get("type") == "url" and "{{" in str(b.get("url", ""))
        ],
        "media_header": template.header_type if template.header_type in MEDIA_HEADERS else None,
    }


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
        raise TemplateError(f"{where} is empty", field=field)
    if BAD_PARAMETER.search(text):
        raise TemplateError(
            f"{where} may not contain new lines, tabs or more than four spaces in a row", field=field
        )
    return text


def compose(template: MessageTemplate, *, parameters: dict[str, Any] | None = None) -> Composed:
    """Fill ``template`` with the agent's parameters; TemplateError says what is wrong.

    ``parameters``: {"header": ["…"], "body": ["…", "…"], "buttons": {"<index>": "suffix"}}.
    """
    problems = template_problems(template)
    if problems:
        first = next(iter(problems.values()))[0]
        raise TemplateError(f"the template {template.name!r} is not well formed: {first}")
    parameters = parameters or {}
    slots = parameter_slots(template)
    header_values = _values(parameters.get("header"), len(slots["header"]), "header")
    body_values = _values(parameters.get("body"), len(slots["body"]), "body")
    header = template_render(template.header_text, dict(enumerate(header_values, start=1)))
    body = template_render(template.body, dict(enumerate(body_values, start=1)))
    if len(header) > limits.TEXT_HEADER_MAX:
        raise TemplateError(
            f"with its parameter the header is {len(header)} characters; the limit is {limits.TEXT_HEADER_MAX}"
        )
    body_max = limits.LIST_BODY_MAX if template.kind == K.LIST else limits.TEMPLATE_BODY_MAX
    if len(body) > body_max:
        raise TemplateError(
            f"with its parameters the body is {len(body)} characters; the limit is {body_max}"
        )
    rendered = {"header": header, "body": body, "footer": template.footer, "buttons": template.buttons or []}
    if template.kind in NOTIFICATION_KINDS:
        return _notification(template, header_values, body_values, parameters, slots, body, rendered)
    return _interactive(template, header, body, rendered)


def _values(given: Any, count: int, where: str) -> list[str]:
    values = list(given or [])
    if len(values) != count:
        raise TemplateError(f"the {where} has {count} parameter(s); {len(values)} given")
    return [
        _parameter(v, where=f"{where} parameter {{{{{i}}}}}", field=f"{where}.{i}")
        for i, v in enumerate(values, start=1)
    ]


def _notification(
    template: MessageTemplate,
    header_values: list[str],
    body_values: list[str],
    parameters: dict[str, Any],
    slots: dict[str, Any],
    body: str,
    rendered: dict[str, Any],
) -> Composed:
    components: list[dict[str, Any]] = []
    if header_values:
        components.append(
            {"type": "header", "parameters": [{"type": "text", "text": v} for v in header_values]}
        )
    if body_values:
        components.append({"type": "body", "parameters": [{"type": "text", "text": v} for v in body_values]})
    suffixes = parameters.get("buttons") or {}
    for slot in slots["buttons"]:
        suffix = _parameter(
            suffixes.get(str(slot["index"]), suffixes.get(slot["index"])),
            where=f"the {slot['text']!r} link",
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
