"""Template sends: the template Meta approved, its parameters and what the customer reads
(reference §8)."""

from __future__ import annotations

import re
from typing import Any

from conversations.models import Channel
from sandbox import selectors
from sandbox.errors import GraphError, invalid, missing
from sandbox.validation.params import (
    PLACEHOLDER_RE,
    TEMPLATE_BODY_MAX,
    check_location,
    check_media,
    object_param,
    string_param,
)
from templates_app.models import MessageTemplate


def placeholders(text: str) -> list[str]:
    """The distinct ``{{n}}`` (or ``{{name}}``) placeholders of ``text``, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(text or "")))


def check_template(content: Any, *, channel: Channel) -> dict[str, Any]:
    content = object_param(content, "template")
    name = string_param(content.get("name"), "template.name", max_length=512, required=True)
    language = content.get("language")
    if not isinstance(language, dict):
        raise missing("template.language")
    code = string_param(language.get("code"), "template.language.code", max_length=16, required=True)
    held = selectors.template_held(channel=channel, name=name, language=code)
    if held is not None and held.status != "APPROVED":  # G1: only approved templates are sent
        code_for = {"PAUSED": 132015, "DISABLED": 132016}.get(held.status, 132001)
        raise GraphError(code_for, f"template name ({name}) in {code} is {held.status}")
    template = selectors.template_find(channel=channel, name=name, language=code)
    if template is None:
        raise GraphError(132001, f"template name ({name}) does not exist in {code}")
    components = content.get("components", [])
    if not isinstance(components, list):
        raise invalid("template.components must be a list.")

    by_type: dict[str, dict[str, Any]] = {}
    buttons: dict[int, dict[str, Any]] = {}
    for index, component in enumerate(components):
        component = object_param(component, f"template.components[{index}]")
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
    param = object_param(param, where)
    kind = param.get("type")
    if kind == "text":
        return string_param(param.get("text"), f"{where}.text", max_length=32768, required=True)
    if kind in ("currency", "date_time"):
        holder = param.get(kind)
        if not isinstance(holder, dict):
            raise missing(f"{where}.{kind}")
        return string_param(
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
        check_location(value, "header.parameters[0].location", named=True)
    else:
        check_media(header_type, value, channel=channel, where=f"header.parameters[0].{header_type}")
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
        # an OTP button's code is sent as its URL's parameter (Meta stores it as a URL button)
        sub_type = "url" if kind == "otp" else kind
        if component is not None and component.get("sub_type") != sub_type:
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

                def literal(_match: re.Match[str], value: str = suffix) -> str:
                    return value  # as it is, backslashes too

                url = PLACEHOLDER_RE.sub(literal, url, count=1)
            elif params:
                raise _param_count_error(where, len(params), 0)
            item["url"] = url
        elif kind == "quick_reply":
            payload = text  # Meta's own example: the payload is the label when none was set
            if len(params) > 1:
                raise _param_count_error(where, len(params), 1)
            if params:
                param = object_param(params[0], f"{where}.parameters[0]")
                if param.get("type") != "payload":
                    raise GraphError(
                        132012, f"{where}: Format mismatch, expected PAYLOAD, received {param.get('type')}"
                    )
                payload = string_param(
                    param.get("payload"), f"{where}.parameters[0].payload", max_length=1000, required=True
                )
            item["payload"] = payload
        elif kind == "otp":
            if component is None or len(params) != 1:
                raise _param_count_error(where, len(params), 1)
            item["code"] = _text_value(params[0], f"{where}.parameters[0]")
        elif kind == "flow":
            if len(params) > 1:
                raise _param_count_error(where, len(params), 1)
            if params:
                param = object_param(params[0], f"{where}.parameters[0]")
                action = param.get("action")
                if param.get("type") != "action" or not isinstance(action, dict):
                    raise GraphError(
                        132012, f"{where}: Format mismatch, expected ACTION, received {param.get('type')}"
                    )
                item["flow_token"] = str(action.get("flow_token") or "")
        else:
            if params and kind != "copy_code":
                raise _param_count_error(where, len(params), 0)
            if kind == "phone_number":
                item["phone_number"] = str(button.get("phone_number", ""))
            if kind == "copy_code" and params:
                param = object_param(params[0], f"{where}.parameters[0]")
                item["code"] = str(param.get("coupon_code", ""))
        rendered.append(item)
    return rendered
