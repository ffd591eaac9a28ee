"""Interactive messages: reply buttons, lists and call-to-action URLs (reference §6)."""

from __future__ import annotations

from typing import Any

from conversations.models import Channel
from sandbox.errors import invalid, missing
from sandbox.validation.params import (
    BUTTON_ID_MAX,
    BUTTON_TITLE_MAX,
    FOOTER_MAX,
    HEADER_TEXT_MAX,
    INTERACTIVE_BODY_MAX,
    LIST_ROWS_MAX,
    LIST_SECTIONS_MAX,
    REPLY_BUTTONS_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_ID_MAX,
    ROW_TITLE_MAX,
    SECTION_TITLE_MAX,
    check_media,
    object_param,
    string_param,
    url_param,
)


def check_interactive(content: Any, *, channel: Channel) -> None:
    content = object_param(content, "interactive")
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
    string_param(
        body.get("text"), "interactive.body.text", max_length=INTERACTIVE_BODY_MAX[kind], required=True
    )
    if content.get("footer") is not None:
        footer = object_param(content["footer"], "interactive.footer")
        string_param(footer.get("text"), "interactive.footer.text", max_length=FOOTER_MAX, required=True)
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
    header = object_param(header, "interactive.header")
    kind = header.get("type")
    allowed = ("text",) if text_only else ("text", "image", "video", "document")
    if kind not in allowed:
        raise invalid(f"interactive.header.type must be one of {', '.join(allowed)}.")
    if kind == "text":
        string_param(header.get("text"), "interactive.header.text", max_length=HEADER_TEXT_MAX, required=True)
    else:
        if header.get(kind) is None:
            raise missing(f"interactive.header.{kind}")
        check_media(kind, header[kind], channel=channel, where=f"interactive.header.{kind}")


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
        button = object_param(button, where)
        if button.get("type") != "reply":
            raise invalid(f'{where}.type must be "reply".')
        reply = button.get("reply")
        if not isinstance(reply, dict):
            raise missing(f"{where}.reply")
        button_id = string_param(
            reply.get("id"), f"{where}.reply.id", max_length=BUTTON_ID_MAX, required=True
        )
        title = string_param(
            reply.get("title"), f"{where}.reply.title", max_length=BUTTON_TITLE_MAX, required=True
        )
        if button_id in ids:
            raise invalid(f"{where}.reply.id {button_id!r} is not unique.")
        if title in titles:
            raise invalid(f"{where}.reply.title {title!r} is not unique: button titles must differ.")
        ids.add(button_id)
        titles.add(title)


def _list(action: dict[str, Any]) -> None:
    string_param(
        action.get("button"), "interactive.action.button", max_length=BUTTON_TITLE_MAX, required=True
    )
    sections = action.get("sections")
    if sections is None:
        raise missing("interactive.action.sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= LIST_SECTIONS_MAX:
        raise invalid(f"interactive.action.sections must hold 1 to {LIST_SECTIONS_MAX} sections.")
    row_ids: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"interactive.action.sections[{s_index}]"
        section = object_param(section, where)
        string_param(
            section.get("title"), f"{where}.title", max_length=SECTION_TITLE_MAX, required=len(sections) > 1
        )
        rows = section.get("rows")
        if rows is None:
            raise missing(f"{where}.rows")
        if not isinstance(rows, list) or not rows:
            raise invalid(f"{where}.rows must be a non-empty list.")
        for r_index, row in enumerate(rows):
            row_where = f"{where}.rows[{r_index}]"
            row = object_param(row, row_where)
            row_id = string_param(row.get("id"), f"{row_where}.id", max_length=ROW_ID_MAX, required=True)
            string_param(row.get("title"), f"{row_where}.title", max_length=ROW_TITLE_MAX, required=True)
            string_param(row.get("description"), f"{row_where}.description", max_length=ROW_DESCRIPTION_MAX)
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
    string_param(
        parameters.get("display_text"),
        "interactive.action.parameters.display_text",
        max_length=BUTTON_TITLE_MAX,
        required=True,
    )
    url_param(parameters.get("url"), "interactive.action.parameters.url")
