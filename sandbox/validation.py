"""Check a ``/messages`` request the way the Cloud API does, and say what it means.

Our client is written against Meta's documented shapes (reference §6); the sandbox is
only useful if it refuses what Meta refuses, with Meta's codes: 131008 for a missing
parameter, 131009 for a bad value, 131051 for an unknown type, 131053 for media it
cannot use, 132000/132001/132005/132012 for templates, 100 for Graph-level problems.
Everything raises ``GraphError``; a valid body becomes an ``OutboundSend`` or a
``MarkRead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conversations.models import Channel
from sandbox import selectors
from sandbox.errors import GraphError, invalid, missing
from templates_app.models import MessageTemplate

MESSAGE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "reaction",
    "template",
)
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
#: What each media message type may carry (reference §7); a document may be any supported file.
MEDIA_MIME_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/jpeg", "image/png"),
    "video": ("video/mp4", "video/3gpp"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "sticker": ("image/webp",),
    "document": (
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
#: Upload size limits per kind of file (reference §7).
MEDIA_MAX_BYTES = {
    "image": 5 * 1024 * 1024,
    "video": 16 * 1024 * 1024,
    "audio": 16 * 1024 * 1024,
    "sticker": 500 * 1024,
    "document": 100 * 1024 * 1024,
}

TEXT_MAX = 4096
CAPTION_MAX = 1024
TEMPLATE_BODY_MAX = 1024
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
REPLY_BUTTONS_MAX = 3
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
SECTION_TITLE_MAX = 24
INTERACTIVE_BODY_MAX = {"button": 1024, "list": 4096, "cta_url": 1024}
EMOJI_MAX = 10  # one emoji can be several code points (skin tones, ZWJ sequences, flags)

PHONE_RE = re.compile(r"^\+?[\d\s\-().]+$")
BSUID_RE = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass
class OutboundSend:
    """A valid send: who it goes to and what, as the sandbox records and renders it."""

    to_input: str
    wa_id: str
    type: str
    content: Any
    context_wamid: str = ""
    biz_opaque_callback_data: str = ""
    #: Templates only: the message as the customer sees it.
    rendered: dict[str, Any] = field(default_factory=dict)
    #: Pricing category: ``service`` for free-form, the template's category otherwise.
    category: str = "service"

    @property
    def is_template(self) -> bool:
        return self.type == "template"


@dataclass
class MarkRead:
    message_id: str
    typing_indicator: bool = False


def base_mime(mime_type: str) -> str:
    """``audio/ogg; codecs=opus`` → ``audio/ogg``."""
    return mime_type.split(";", 1)[0].strip().lower()


def media_kind_for_mime(mime_type: str) -> str | None:
    """Which kind of media a supported MIME type is (None: the Cloud API does not take it)."""
    mime = base_mime(mime_type)
    for kind, types in MEDIA_MIME_TYPES.items():
        if mime in types:
            return kind
    return None


def parse_request(body: Any, *, channel: Channel) -> OutboundSend | MarkRead:
    """Validate a ``POST /<phone_number_id>/messages`` body; raise ``GraphError`` like Meta."""
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    product = body.get("messaging_product")
    if product is None:
        raise GraphError(100, message="The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(
            100, message=f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".'
        )
    if "status" in body:
        return _mark_read(body)

    to_input, wa_id = _recipient(body, channel=channel)
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid('recipient_type must be "individual" (groups are not simulated by the sandbox).')
    message_type = body.get("type", "text")
    if not isinstance(message_type, str) or not message_type:
        raise invalid("type must be a string.")
    if message_type not in MESSAGE_TYPES:
        raise GraphError(131051, f"Message type {message_type!r} is not supported.")
    if body.get(message_type) is None:
        raise missing(message_type)

    send = OutboundSend(to_input=to_input, wa_id=wa_id, type=message_type, content=body[message_type])
    send.context_wamid = _context(body.get("context"), message_type)
    opaque = body.get("biz_opaque_callback_data", "")
    if not isinstance(opaque, str) or len(opaque) > 512:
        raise invalid("biz_opaque_callback_data must be a string of at most 512 characters.")
    send.biz_opaque_callback_data = opaque

    content = body[message_type]
    if message_type == "text":
        _text(content)
    elif message_type in MEDIA_TYPES:
        _media(message_type, content, channel=channel)
    elif message_type == "location":
        _location(content, "location", named=True)
    elif message_type == "contacts":
        _contacts(content)
    elif message_type == "reaction":
        _reaction(content)
    elif message_type == "interactive":
        _interactive(content, channel=channel)
    elif message_type == "template":
        template = _template(content, channel=channel)
        send.rendered = template["rendered"]
        send.category = template["category"]
    return send


# --- envelope ------------------------------------------------------------------------


def _mark_read(body: dict[str, Any]) -> MarkRead:
    if body.get("status") != "read":
        raise invalid('status must be "read" (the only status a business sets).')
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise missing("message_id")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
        raise invalid('typing_indicator must be {"type": "text"}.')
    return MarkRead(message_id=message_id, typing_indicator=typing is not None)


def _recipient(body: dict[str, Any], *, channel: Channel) -> tuple[str, str]:
    """``to`` (a phone number: digits, optional ``+``, spaces, dashes, parentheses) or ``recipient``."""
    to = body.get("to")
    recipient = body.get("recipient")
    if to in (None, "") and recipient in (None, ""):
        raise missing("to")
    given = to if to not in (None, "") else recipient
    if not isinstance(given, str):
        raise GraphError(100, f"Invalid parameter: to must be a string, got {type(given).__name__}.")
    if to in (None, "") and BSUID_RE.match(given):
        raise GraphError(
            100,
            "Business-scoped user ids are not simulated by the sandbox; send to the customer's phone number.",
        )
    digits = re.sub(r"\D", "", given)
    if not PHONE_RE.match(given) or not 6 <= len(digits) <= 15:
        raise GraphError(100, f"Invalid parameter: {given!r} is not a phone number in international format.")
    if digits == channel.display_phone_number:
        raise GraphError(131021, "The recipient is this business phone number.")
    return given, digits


def _context(context: Any, message_type: str) -> str:
    if context is None:
        return ""
    if (
        not isinstance(context, dict)
        or not isinstance(context.get("message_id"), str)
        or not context["message_id"]
    ):
        raise invalid('context must be {"message_id": "<wamid>"}.')
    if message_type == "reaction":
        raise invalid("A reaction cannot be sent as a contextual reply.")
    return context["message_id"]


# --- simple types --------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{where} must be an object.")
    return value


def _string(value: Any, where: str, *, max_length: int, required: bool = False, min_length: int = 0) -> str:
    """A string parameter: absent → 131008 when required; wrong type or length → 131009."""
    if value is None:
        if required:
            raise missing(where)
        return ""
    if not isinstance(value, str):
        raise invalid(f"{where} must be a string.")
    if required and min_length == 0:
        min_length = 1
    if not min_length <= len(value) <= max_length:
        raise invalid(f"{where} must be {min_length} to {max_length} characters long (got {len(value)}).")
    return value


def _text(content: Any) -> None:
    content = _obj(content, "text")
    _string(content.get("body"), "text.body", max_length=TEXT_MAX, required=True)
    if "preview_url" in content and not isinstance(content["preview_url"], bool):
        raise invalid("text.preview_url must be true or false.")


def _media(kind: str, content: Any, *, channel: Channel, where: str | None = None) -> None:
    """Exactly one of ``id`` (uploaded to this number) or ``link`` (http/https)."""
    where = where or kind
    content = _obj(content, where)
    media_id, link = content.get("id"), content.get("link")
    if media_id not in (None, "") and link not in (None, ""):
        raise invalid(f"{where}: specify either id or link, not both.")
    if media_id in (None, "") and link in (None, ""):
        raise missing(f"{where}.id or {where}.link")
    if media_id not in (None, ""):
        media = selectors.media_for_channel(media_id=str(media_id), channel=channel)
        if media is None:
            raise GraphError(131053, f"Media id {media_id} was not found (upload it to this number first).")
        if kind != "document" and base_mime(media.mime_type) not in MEDIA_MIME_TYPES[kind]:
            raise GraphError(
                131053, f"Uploaded media {media_id} is {media.mime_type}, which cannot be sent as {kind}."
            )
    else:
        _url(link, f"{where}.link")
    if kind in ("image", "video", "document"):
        _string(content.get("caption"), f"{where}.caption", max_length=CAPTION_MAX)
    if kind == "document":
        _string(content.get("filename"), f"{where}.filename", max_length=240)


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise missing(where)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000:
        raise invalid(f"{where} must be an http or https URL.")
    return value


def _location(content: Any, where: str, *, named: bool) -> None:
    content = _obj(content, where)
    for axis, bound in (("latitude", 90), ("longitude", 180)):
        value = content.get(axis)
        if value is None or value == "":
            raise missing(f"{where}.{axis}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise invalid(f"{where}.{axis} must be a number.") from None
        if isinstance(value, bool) or not -bound <= number <= bound:
            raise invalid(f"{where}.{axis} must be between -{bound} and {bound}.")
    if named:
        _string(content.get("name"), f"{where}.name", max_length=1000)
        _string(content.get("address"), f"{where}.address", max_length=1000)


def _contacts(content: Any) -> None:
    if not isinstance(content, list) or not content:
        raise invalid("contacts must be a non-empty list.")
    for index, contact in enumerate(content):
        contact = _obj(contact, f"contacts[{index}]")
        name = contact.get("name")
        if not isinstance(name, dict):
            raise missing(f"contacts[{index}].name")
        _string(
            name.get("formatted_name"),
            f"contacts[{index}].name.formatted_name",
            max_length=1000,
            required=True,
        )
        if "phones" in contact and not isinstance(contact["phones"], list):
            raise invalid(f"contacts[{index}].phones must be a list.")


def _reaction(content: Any) -> None:
    content = _obj(content, "reaction")
    _string(content.get("message_id"), "reaction.message_id", max_length=200, required=True)
    if "emoji" not in content:
        raise missing("reaction.emoji")
    emoji = content["emoji"]
    # An empty emoji removes the reaction.
    if not isinstance(emoji, str) or len(emoji) > EMOJI_MAX or (emoji and emoji.isascii()):
        raise invalid("reaction.emoji must be a single emoji (or empty to remove the reaction).")


# --- interactive ---------------------------------------------------------------------


def _interactive(content: Any, *, channel: Channel) -> None:
    content = _obj(content, "interactive")
    kind = content.get("type")
    if kind is None:
        raise missing("interactive.type")
    if kind not in INTERACTIVE_BODY_MAX:
        raise invalid(
            f"interactive.type {kind!r} is not supported by the sandbox (button, list and cta_url are)."
        )
    body = content.get("body")
    if not isinstance(body, dict):
        raise missing("interactive.body")
    _string(body.get("text"), "interactive.body.text", max_length=INTERACTIVE_BODY_MAX[kind], required=True)
    if content.get("footer") is not None:
        footer = _obj(content["footer"], "interactive.footer")
        _string(footer.get("text"), "interactive.footer.text", max_length=FOOTER_MAX, required=True)
    if content.get("header") is not None:
        _interactive_header(content["header"], text_only=kind == "list", channel=channel)
    action = content.get("action")
    if not isinstance(action, dict):
        raise missing("interactive.action")
    if kind == "button":
        _reply_buttons(action)
    elif kind == "list":
        _list(action)
    else:
        _cta_url(action)


def _interactive_header(header: Any, *, text_only: bool, channel: Channel) -> None:
    header = _obj(header, "interactive.header")
    kind = header.get("type")
    allowed = ("text",) if text_only else ("text", "image", "video", "document")
    if kind not in allowed:
        raise invalid(f"interactive.header.type must be one of {', '.join(allowed)}.")
    if kind == "text":
        _string(header.get("text"), "interactive.header.text", max_length=HEADER_TEXT_MAX, required=True)
    else:
        if header.get(kind) is None:
            raise missing(f"interactive.header.{kind}")
        _media(kind, header[kind], channel=channel, where=f"interactive.header.{kind}")


def _reply_buttons(action: dict[str, Any]) -> None:
    buttons = action.get("buttons")
    if buttons is None:
        raise missing("interactive.action.buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= REPLY_BUTTONS_MAX:
        raise invalid(f"interactive.action.buttons must hold 1 to {REPLY_BUTTONS_MAX} buttons.")
    ids: set[str] = set()
    titles: set[str] = set()
    for index, button in enumerate(buttons):
        where = f"interactive.action.buttons[{index}]"
        button = _obj(button, where)
        if button.get("type") != "reply":
            raise invalid(f'{where}.type must be "reply".')
        reply = button.get("reply")
        if not isinstance(reply, dict):
            raise missing(f"{where}.reply")
        button_id = _string(reply.get("id"), f"{where}.reply.id", max_length=BUTTON_ID_MAX, required=True)
        title = _string(
            reply.get("title"), f"{where}.reply.title", max_length=BUTTON_TITLE_MAX, required=True
        )
        if button_id in ids:
            raise invalid(f"{where}.reply.id {button_id!r} is not unique.")
        if title in titles:
            raise invalid(f"{where}.reply.title {title!r} is not unique: button titles must differ.")
        ids.add(button_id)
        titles.add(title)


def _list(action: dict[str, Any]) -> None:
    _string(action.get("button"), "interactive.action.button", max_length=BUTTON_TITLE_MAX, required=True)
    sections = action.get("sections")
    if sections is None:
        raise missing("interactive.action.sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= LIST_SECTIONS_MAX:
        raise invalid(f"interactive.action.sections must hold 1 to {LIST_SECTIONS_MAX} sections.")
    row_ids: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"interactive.action.sections[{s_index}]"
        section = _obj(section, where)
        _string(
            section.get("title"), f"{where}.title", max_length=SECTION_TITLE_MAX, required=len(sections) > 1
        )
        rows = section.get("rows")
        if rows is None:
            raise missing(f"{where}.rows")
        if not isinstance(rows, list) or not rows:
            raise invalid(f"{where}.rows must be a non-empty list.")
        for r_index, row in enumerate(rows):
            row_where = f"{where}.rows[{r_index}]"
            row = _obj(row, row_where)
            row_id = _string(row.get("id"), f"{row_where}.id", max_length=ROW_ID_MAX, required=True)
            _string(row.get("title"), f"{row_where}.title", max_length=ROW_TITLE_MAX, required=True)
            _string(row.get("description"), f"{row_where}.description", max_length=ROW_DESCRIPTION_MAX)
            if row_id in row_ids:
                raise invalid(f"{row_where}.id {row_id!r} is not unique: row ids must differ.")
            row_ids.add(row_id)
    if len(row_ids) > LIST_ROWS_MAX:
        raise invalid(f"A list message holds at most {LIST_ROWS_MAX} rows in total (got {len(row_ids)}).")


def _cta_url(action: dict[str, Any]) -> None:
    if action.get("name") != "cta_url":
        raise invalid('interactive.action.name must be "cta_url".')
    parameters = action.get("parameters")
    if not isinstance(parameters, dict):
        raise missing("interactive.action.parameters")
    _string(
        parameters.get("display_text"),
        "interactive.action.parameters.display_text",
        max_length=BUTTON_TITLE_MAX,
        required=True,
    )
    _url(parameters.get("url"), "interactive.action.parameters.url")


# --- templates -----------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """The distinct ``{{n}}`` (or ``{{name}}``) placeholders of ``text``, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(text or "")))


def _template(content: Any, *, channel: Channel) -> dict[str, Any]:
    content = _obj(content, "template")
    name = _string(content.get("name"), "template.name", max_length=512, required=True)
    language = content.get("language")
    if not isinstance(language, dict):
        raise missing("template.language")
    code = _string(language.get("code"), "template.language.code", max_length=16, required=True)
    template = selectors.template_find(channel=channel, name=name, language=code)
    if template is None:
        raise GraphError(132001, f"template name ({name}) does not exist in {code}")
    components = content.get("components", [])
    if not isinstance(components, list):
        raise invalid("template.components must be a list.")

    by_type: dict[str, dict[str, Any]] = {}
    buttons: dict[int, dict[str, Any]] = {}
    for index, component in enumerate(components):
        component = _obj(component, f"template.components[{index}]")
        kind = component.get("type")
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list):
            raise invalid(f"template.components[{index}].parameters must be a list.")
        if kind in ("header", "body"):
            if kind in by_type:
                raise invalid(f"template.components holds more than one {kind}.")
            by_type[kind] = component
        elif kind == "button":
            position = _button_index(component.get("index"), template)
            if position in buttons:
                raise invalid(f"template.components holds two button components for index {position}.")
            buttons[position] = component
        else:
            raise invalid(f"template.components[{index}].type must be header, body or button.")

    rendered: dict[str, Any] = {"name": template.name, "language": template.language}
    rendered["header"] = _template_header(template, by_type.get("header"), channel=channel)
    body_params = by_type.get("body", {}).get("parameters", [])
    rendered["body"] = _filled(template.body, body_params, "body")
    if len(rendered["body"]) > TEMPLATE_BODY_MAX:
        raise GraphError(132005, f"The body with its parameters is {len(rendered['body'])} characters long.")
    rendered["footer"] = template.footer
    rendered["buttons"] = _template_buttons(template, buttons)
    return {"rendered": rendered, "category": template.category.lower()}


def _button_index(value: Any, template: MessageTemplate) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise invalid('A button component needs its index (the button\'s position, e.g. "0").')
    position = int(value)
    if position >= len(template.buttons or []):
        raise invalid(f"Button at index {position} does not exist in template {template.name}.")
    return position


def _param_count_error(where: str, given: int, expected: int) -> GraphError:
    return GraphError(
        132000,
        f"{where}: number of localizable_params ({given}) does not match the expected number of params ({expected})",
    )


def _text_value(param: Any, where: str) -> str:
    """The text a body/header text parameter puts in its placeholder."""
    param = _obj(param, where)
    kind = param.get("type")
    if kind == "text":
        return _string(param.get("text"), f"{where}.text", max_length=32768, required=True)
    if kind in ("currency", "date_time"):
        holder = param.get(kind)
        if not isinstance(holder, dict):
            raise missing(f"{where}.{kind}")
        return _string(
            holder.get("fallback_value"), f"{where}.{kind}.fallback_value", max_length=1000, required=True
        )
    if kind in ("image", "video", "document", "location", "payload"):
        raise GraphError(132012, f"{where}: Format mismatch, expected TEXT, received {str(kind).upper()}")
    raise invalid(f"{where}.type must be text, currency or date_time.")


def _filled(text: str, params: list[Any], where: str) -> str:
    """``text`` with its placeholders replaced, after checking the parameter count (132000)."""
    names = placeholders(text)
    if len(params) != len(names):
        raise _param_count_error(where, len(params), len(names))
    values: dict[str, str] = {}
    for index, param in enumerate(params):
        value = _text_value(param, f"{where}.parameters[{index}]")
        name = param.get("parameter_name") if isinstance(param.get("parameter_name"), str) else None
        values[name or (str(index + 1) if names[0].isdigit() else names[index])] = value
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _template_header(
    template: MessageTemplate, component: dict[str, Any] | None, *, channel: Channel
) -> dict[str, Any] | None:
    header_type = template.header_type
    params = (component or {}).get("parameters", [])
    if header_type in ("none", ""):
        if params:
            raise _param_count_error("header", len(params), 0)
        return None
    if header_type == "text":
        return {"type": "text", "text": _filled(template.header_text, params, "header")}
    # A media or location header needs its parameter at send time (reference §6.2).
    expected = header_type.upper()
    if len(params) != 1 or not isinstance(params[0], dict) or params[0].get("type") != header_type:
        received = "UNKNOWN"
        if params and isinstance(params[0], dict) and isinstance(params[0].get("type"), str):
            received = params[0]["type"].upper()
        raise GraphError(132012, f"header: Format mismatch, expected {expected}, received {received}")
    value = params[0].get(header_type)
    if value is None:
        raise missing(f"header.parameters[0].{header_type}")
    if header_type == "location":
        _location(value, "header.parameters[0].location", named=True)
    else:
        _media(header_type, value, channel=channel, where=f"header.parameters[0].{header_type}")
    return {"type": header_type, header_type: value}


def _template_buttons(
    template: MessageTemplate, components: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    rendered = []
    for position, button in enumerate(template.buttons or []):
        button = button if isinstance(button, dict) else {}
        kind = str(button.get("type", ""))
        text = str(button.get("text", ""))
        component = components.get(position)
        where = f"buttons[{position}]"
        if component is not None and component.get("sub_type") != kind:
            raise invalid(f"Button at index {position} is of type {kind}, not {component.get('sub_type')!r}.")
        params = (component or {}).get("parameters", [])
        item: dict[str, Any] = {"type": kind, "text": text}
        if kind == "url":
            url = str(button.get("url", ""))
            if placeholders(url):
                if component is None:
                    raise GraphError(131008, f"Button at index {position} of type Url requires a parameter")
                if len(params) != 1:
                    raise _param_count_error(where, len(params), 1)
                suffix = _text_value(params[0], f"{where}.parameters[0]")
                url = PLACEHOLDER_RE.sub(lambda _match, value=suffix: value, url, count=1)
            elif params:
                raise _param_count_error(where, len(params), 0)
            item["url"] = url
        elif kind == "quick_reply":
            payload = text  # Meta's own example: the payload is the label when none was set
            if len(params) > 1:
                raise _param_count_error(where, len(params), 1)
            if params:
                param = _obj(params[0], f"{where}.parameters[0]")
                if param.get("type") != "payload":
                    raise GraphError(
                        132012, f"{where}: Format mismatch, expected PAYLOAD, received {param.get('type')}"
                    )
                payload = _string(
                    param.get("payload"), f"{where}.parameters[0].payload", max_length=1000, required=True
                )
            item["payload"] = payload
        else:
            if params and kind != "copy_code":
                raise _param_count_error(where, len(params), 0)
            if kind == "phone_number":
                item["phone_number"] = str(button.get("phone_number", ""))
            if kind == "copy_code" and params:
                param = _obj(params[0], f"{where}.parameters[0]")
                item["code"] = str(param.get("coupon_code", ""))
        rendered.append(item)
    return rendered
