"""Message template management on the wire (G1): read Meta's template objects and pages,
build a creation body, read the template webhooks. No I/O, no database.

Meta's shapes (``GET /<WABA_ID>/message_templates``, reference §1): a template is
``{id, name, language, status, category, parameter_format, quality_score: {score, date},
rejected_reason, components: [{type: HEADER|BODY|FOOTER|BUTTONS, …}]}``. The records here
speak the product's vocabulary instead: lowercase header formats and button types, the
body and footer as text, and every button as a dict whose ``type`` is lowercase. What we
do not understand (a new component type, a header format we never heard of) is kept in
``components`` and named in ``problems``: the template is still synced, and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

#: Header formats Meta documents for templates (GIF and PRODUCT belong to other APIs).
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
#: Button types Meta documents (reference §1.3).
BUTTON_TYPES = (
    "QUICK_REPLY",
    "URL",
    "PHONE_NUMBER",
    "COPY_CODE",
    "OTP",
    "FLOW",
    "VOICE_CALL",
    "MPM",
    "SPM",
    "CATALOG",
    "APP",
    "CALL_PERMISSION_REQUEST",
    "REQUEST_CONTACT_INFO",
)
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
STATUSES = (
    "APPROVED",
    "PENDING",
    "REJECTED",
    "PAUSED",
    "DISABLED",
    "FLAGGED",
    "IN_APPEAL",
    "REINSTATED",
    "PENDING_DELETION",
    "DELETED",
    "LIMIT_EXCEEDED",
    "LOCKED",
    "ARCHIVED",
    "UNARCHIVED",
)
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
QUALITY_SCORES = ("GREEN", "YELLOW", "RED", "UNKNOWN")
PARAMETER_FORMATS = ("POSITIONAL", "NAMED")
#: The fields a pull asks for (everything the product mirrors).
LIST_FIELDS = (
    "id,name,language,status,category,previous_category,correct_category,sub_category,"
    "parameter_format,quality_score,rejected_reason,components"
)

#: A named parameter: lowercase letters, digits and underscores, not starting with a digit.
NAMED_PARAMETER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
POSITIONAL_PARAMETER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


@dataclass(frozen=True)
class TemplateRecord:
    """One template as Meta holds it, in the product's words."""

    id: str
    name: str
    language: str
    status: str
    category: str
    parameter_format: str = "POSITIONAL"
    quality_score: str = ""
    rejected_reason: str = ""
    header_format: str = "none"
    header_text: str = ""
    body: str = ""
    footer: str = ""
    buttons: list[dict[str, object]] = field(default_factory=list)
    #: Meta's components exactly as they came (what an edit resubmits unchanged).
    components: list[object] = field(default_factory=list)
    #: What the product does not understand in it; the template is kept, and marked.
    problems: list[str] = field(default_factory=list)


class _Parts(TypedDict):
    """What the components of a template say, gathered while they are read."""

    header_format: str
    header_text: str
    body: str
    footer: str
    buttons: list[dict[str, object]]


@dataclass(frozen=True)
class TemplatePage:
    """One page of ``GET /<WABA_ID>/message_templates``."""

    templates: list[TemplateRecord]
    #: Items that are no template at all (not an object, no id or name): skipped.
    problems: list[str]
    after: str | None
    next_url: str | None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def language_code(code: str) -> str:
    """Meta writes ``en-US`` in webhooks and ``en_US`` everywhere else: one form."""
    return code.strip().replace("-", "_")


def template_parse(obj: object) -> TemplateRecord:
    """A template object; ``ValueError`` when it is not one (no id, name or language)."""
    if not isinstance(obj, dict):
        raise ValueError("a template is not a JSON object")
    template_id, name, language = obj.get("id"), obj.get("name"), obj.get("language")
    if isinstance(template_id, bool) or not isinstance(template_id, str | int) or str(template_id) == "":
        raise ValueError("a template has no id")
    if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
        raise ValueError(f"template {template_id} has no name or language")
    problems: list[str] = []
    status = _text(obj.get("status")).upper()
    if status not in STATUSES:
        problems.append(f"unknown status {status or obj.get('status')!r}")
    category = _text(obj.get("category")).upper()
    if category not in CATEGORIES:
        problems.append(f"unknown category {category or obj.get('category')!r}")
    parameter_format = _text(obj.get("parameter_format")).upper() or "POSITIONAL"
    if parameter_format not in PARAMETER_FORMATS:
        problems.append(f"unknown parameter_format {parameter_format!r}")
        parameter_format = "POSITIONAL"
    quality = obj.get("quality_score")
    score = _text(quality.get("score") if isinstance(quality, dict) else quality).upper()
    reason = _text(obj.get("rejected_reason")).upper()
    parts: _Parts = {
        "header_format": "none",
        "header_text": "",
        "body": "",
        "footer": "",
        "buttons": [],
    }
    components = obj.get("components")
    if not isinstance(components, list):
        problems.append("components is not a list")
        components = []
    for index, component in enumerate(components):
        _component_read(component, index, parts, problems)
    return TemplateRecord(
        id=str(template_id),
        name=name,
        language=language_code(language),
        status=status if status in STATUSES else "PENDING",
        category=category if category in CATEGORIES else "UTILITY",
        parameter_format=parameter_format,
        quality_score=score if score in QUALITY_SCORES else "",
        rejected_reason="" if reason in ("", "NONE") else reason,
        components=components,
        problems=problems,
        **parts,
    )


def _component_read(component: object, index: int, parts: _Parts, problems: list[str]) -> None:
    if not isinstance(component, dict):
        problems.append(f"components[{index}] is not an object")
        return
    kind = _text(component.get("type")).upper()
    if kind == "HEADER":
        header_format = _text(component.get("format")).upper()
        if header_format not in HEADER_FORMATS:
            problems.append(f"header format {header_format or component.get('format')!r} is not supported")
            return
        parts["header_format"] = header_format.lower()
        parts["header_text"] = _text(component.get("text")) if header_format == "TEXT" else ""
    elif kind == "BODY":
        parts["body"] = _text(component.get("text"))
    elif kind == "FOOTER":
        parts["footer"] = _text(component.get("text"))
    elif kind == "BUTTONS":
        buttons = component.get("buttons")
        if not isinstance(buttons, list):
            problems.append("the buttons component has no list of buttons")
            return
        for number, button in enumerate(buttons):
            if not isinstance(button, dict):
                problems.append(f"button {number} is not an object")
                continue
            button_type = _text(button.get("type")).upper()
            if button_type not in BUTTON_TYPES:
                problems.append(f"button type {button_type or button.get('type')!r} is not supported")
            parts["buttons"].append({**button, "type": button_type.lower()})
    else:
        problems.append(f"component type {kind or component.get('type')!r} is not supported")


def template_page_parse(body: object) -> TemplatePage:
    """A page of the listing: its templates, what could not be read, and where the next starts."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("a template page has no data list")
    templates, problems = [], []
    for index, item in enumerate(body["data"]):
        try:
            templates.append(template_parse(item))
        except ValueError as exc:
            problems.append(f"data[{index}]: {exc}")
    raw_paging = body.get("paging")
    paging: dict[str, object] = raw_paging if isinstance(raw_paging, dict) else {}
    raw_cursors = paging.get("cursors")
    cursors: dict[str, object] = raw_cursors if isinstance(raw_cursors, dict) else {}
    after, next_url = cursors.get("after"), paging.get("next")
    return TemplatePage(
        templates=templates,
        problems=problems,
        after=after if isinstance(after, str) and after else None,
        next_url=next_url if isinstance(next_url, str) and next_url else None,
    )


# --- submitting ---------------------------------------------------------------------------------


def parameter_names(text: str, parameter_format: str) -> list[str]:
    """The distinct parameters of ``text`` in order of appearance (numbers as strings)."""
    pattern = NAMED_PARAMETER if parameter_format == "NAMED" else POSITIONAL_PARAMETER
    return list(dict.fromkeys(pattern.findall(text or "")))


def _example_values(names: list[str]) -> list[str]:
    return [f"sample {name}".replace("_", " ") for name in names]


def _text_example(text: str, parameter_format: str, *, where: str) -> dict[str, object] | None:
    names = parameter_names(text, parameter_format)
    if not names:
        return None
    values = _example_values(names)
    if parameter_format == "NAMED":
        named = [{"param_name": n, "example": v} for n, v in zip(names, values, strict=True)]
        return {f"{where}_text_named_params": named}
    return {f"{where}_text": [values] if where == "body" else values}


def template_components(
    *,
    parameter_format: str,
    header_format: str,
    header_text: str,
    body: str,
    footer: str,
    buttons: list[dict[str, object]],
    header_handle: str = "",
) -> list[dict[str, object]]:
    """The ``components`` of a creation or edit body; parameter examples are generated
    (Meta requires one per parameter), buttons go back to Meta's uppercase types. A media
    header's sample is ``header_handle`` (from the Resumable Upload API)."""
    components: list[dict[str, object]] = []
    if header_format and header_format != "none":
        header: dict[str, object] = {"type": "HEADER", "format": header_format.upper()}
        if header_format == "text":
            header["text"] = header_text
            example = _text_example(header_text, parameter_format, where="header")
            if example:
                header["example"] = example
        elif header_handle:
            header["example"] = {"header_handle": [header_handle]}
        components.append(header)
    body_component: dict[str, object] = {"type": "BODY", "text": body}
    example = _text_example(body, parameter_format, where="body")
    if example:
        body_component["example"] = example
    components.append(body_component)
    if footer:
        components.append({"type": "FOOTER", "text": footer})
    if buttons:
        wire_buttons = []
        for button in buttons:
            item = {k: v for k, v in button.items() if k != "payload"}
            item["type"] = str(button.get("type", "")).upper()
            if item["type"] == "URL" and "{{" in str(item.get("url", "")) and "example" not in item:
                item["example"] = [POSITIONAL_PARAMETER.sub("sample", str(item["url"]))]
            wire_buttons.append(item)
        components.append({"type": "BUTTONS", "buttons": wire_buttons})
    return components


def template_create_body(
    *, name: str, language: str, category: str, parameter_format: str, components: list[dict[str, object]]
) -> dict[str, object]:
    """``POST /<WABA_ID>/message_templates``."""
    body: dict[str, object] = {
        "name": name,
        "language": language,
        "category": category,
        "components": components,
    }
    if parameter_format == "NAMED":
        body["parameter_format"] = "NAMED"
    return body


# --- webhooks -------------------------------------------------------------------------------------

#: The webhook fields of template management this module reads.
TEMPLATE_FIELDS = (
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
)


@dataclass(frozen=True)
class TemplateUpdate:
    """What a template webhook changes; empty strings for what it does not say."""

    field: str
    template_id: str
    name: str
    language: str
    status: str = ""
    reason: str = ""
    quality_score: str = ""
    category: str = ""
    #: Impending re-categorisation (``correct_category``): the category it will become.
    upcoming_category: str = ""


def template_update_parse(field_name: str, value: object) -> TemplateUpdate:
    """One of ``TEMPLATE_FIELDS``'s values; ``ValueError`` (said plainly) on a wrong shape."""
    if not isinstance(value, dict):
        raise ValueError(f"{field_name}: value is not an object")
    raw_id = value.get("message_template_id")
    if isinstance(raw_id, bool) or (raw_id is not None and not isinstance(raw_id, int | str)):
        raise ValueError(f"{field_name}: message_template_id is not a number")
    template_id = "" if raw_id is None else str(raw_id)
    name, language = _text(value.get("message_template_name")), _text(value.get("message_template_language"))
    if not template_id and not (name and language):
        raise ValueError(f"{field_name}: names no template (no id, no name and language)")
    common = {
        "field": field_name,
        "template_id": template_id,
        "name": name,
        "language": language_code(language),
    }
    if field_name == "message_template_status_update":
        status = _text(value.get("event")).upper()
        if status not in STATUSES:
            raise ValueError(f"{field_name}: unknown event {value.get('event')!r}")
        reason = _text(value.get("reason")).upper()
        info = value.get("rejection_info") or value.get("other_info") or {}
        detail = ""
        if isinstance(info, dict):
            detail = _text(info.get("reason")) or _text(info.get("description"))
        reason = "" if reason == "NONE" else reason
        shown = f"{reason}: {detail}" if reason and detail else reason or detail
        return TemplateUpdate(**common, status=status, reason=shown)
    if field_name == "message_template_quality_update":
        score = _text(value.get("new_quality_score")).upper()
        if score not in QUALITY_SCORES:
            raise ValueError(f"{field_name}: unknown new_quality_score {value.get('new_quality_score')!r}")
        return TemplateUpdate(**common, quality_score=score)
    if field_name == "template_category_update":
        new = _text(value.get("new_category")).upper()
        correct = _text(value.get("correct_category")).upper()
        if new not in CATEGORIES or (correct and correct not in CATEGORIES):
            raise ValueError(f"{field_name}: unknown category {new or correct!r}")
        if correct:  # impending: new_category is still the current one
            return TemplateUpdate(**common, category=new, upcoming_category=correct)
        return TemplateUpdate(**common, category=new)
    raise ValueError(f"{field_name} is no template field")


# --- creation errors ------------------------------------------------------------------------------

#: Meta's ``error_subcode`` of a refused creation or edit, and the part of the template it
#: is about (reference §1.8); None: the template as a whole.
ERROR_SUBCODE_FIELDS: dict[int, str | None] = {
    2388040: None,  # a field exceeds its character limit: which one, the details say
    2388047: "body",  # header or body formatting
    2388073: "footer",
    2388293: "body",  # too many variables for the length
    2388299: "body",  # a variable at the very start or end
    2388019: None,  # the WABA's template limit
    2388024: "name",  # the name already exists in this language
    2388023: "name",  # the name is being deleted
}
_FIELD_WORDS = (("header", "header_text"), ("footer", "footer"), ("button", "buttons"), ("name", "name"))


def template_error_field(subcode: int | None, details: str) -> str | None:
    """Which field of the template a refused submission is about (None: all of it)."""
    field_name = ERROR_SUBCODE_FIELDS.get(subcode) if subcode is not None else None
    lowered = details.lower()
    if field_name in (None, "body"):
        for word, named in _FIELD_WORDS:
            if word in lowered and not (field_name == "body" and word == "name"):
                return named
    if field_name is None and "body" in lowered:
        return "body"
    return field_name
