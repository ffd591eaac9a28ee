"""G1: the values a pulled template needs besides text: a LOCATION header's place, and the
buttons whose value is given at send time: a COPY_CODE button's coupon code, an OTP
button's one-time code (copy code or one-tap: sent as the code of its URL), a FLOW
button's flow token. Each checked as Meta checks it, each error naming its input.
"""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext

#: Button types whose value the agent gives when sending (besides a dynamic URL's suffix).
VALUE_BUTTON_TYPES = ("copy_code", "otp", "flow")
#: Meta: a coupon code and a one-time code are at most 15 characters.
CODE_MAX = 15
FLOW_TOKEN_MAX = 200
PLACE_TEXT_MAX = 1000


class LocationValue(TypedDict, total=False):
    """A LOCATION header's place as sent (Meta's ``location`` parameter)."""

    latitude: float
    longitude: float
    name: str
    address: str


class ParameterError(ValueError):
    """A value is wrong; ``field`` names the input ("location.latitude", "buttons.1")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def _coordinate(given: object, *, name: str, bound: int) -> float:
    if isinstance(given, bool):
        given = None
    try:
        value = float(given) if isinstance(given, int | float | str) and str(given).strip() else None
    except ValueError:
        value = None
    if value is None or not -bound <= value <= bound:
        raise ParameterError(
            (
                gettext("the location's latitude is a number from -%(bound)s to %(bound)s")
                if name == "latitude"
                else gettext("the location's longitude is a number from -%(bound)s to %(bound)s")
            )
            % {"bound": bound},
            field=f"location.{name}",
        )
    return value


def location_value(given: object) -> LocationValue:
    """The place of a LOCATION header: latitude and longitude, name and address optional."""
    if not isinstance(given, dict):
        raise ParameterError(
            gettext("the header is a location: give its latitude and longitude"), field="location"
        )
    place: LocationValue = {
        "latitude": _coordinate(given.get("latitude"), name="latitude", bound=90),
        "longitude": _coordinate(given.get("longitude"), name="longitude", bound=180),
    }
    for key in ("name", "address"):
        text = given.get(key)
        if text is None or text == "":
            continue
        if not isinstance(text, str) or len(text) > PLACE_TEXT_MAX:
            raise ParameterError(
                (
                    gettext("the location's name is a text of up to %(max)s characters")
                    if key == "name"
                    else gettext("the location's address is a text of up to %(max)s characters")
                )
                % {"max": PLACE_TEXT_MAX},
                field=f"location.{key}",
            )
        if key == "name":
            place["name"] = text.strip()
        else:
            place["address"] = text.strip()
    return place


def location_component(place: LocationValue) -> dict[str, object]:
    return {"type": "header", "parameters": [{"type": "location", "location": dict(place)}]}


def button_component(kind: str, index: int, given: object, *, text: str) -> dict[str, object]:
    """The send-time component of a COPY_CODE, OTP or FLOW button at ``index``."""
    value = "" if given is None else str(given).strip() if isinstance(given, str | int) else None
    field = f"buttons.{index}"
    if value is None:
        raise ParameterError(
            gettext("the %(button)s button's value is a text") % {"button": repr(text)}, field=field
        )
    if kind == "flow":
        if len(value) > FLOW_TOKEN_MAX:
            raise ParameterError(
                gettext("a flow token is at most %(max)s characters") % {"max": FLOW_TOKEN_MAX}, field=field
            )
        action = {"flow_token": value} if value else {}  # optional: Meta then sends none
        parameter: dict[str, object] = {"type": "action", "action": action}
        return {"type": "button", "sub_type": "flow", "index": str(index), "parameters": [parameter]}
    if not value or len(value) > CODE_MAX or any(c.isspace() for c in value):
        refusal = (
            gettext("the coupon code of %(button)s is 1 to %(max)s characters without spaces")
            if kind == "copy_code"
            else gettext("the one-time code of %(button)s is 1 to %(max)s characters without spaces")
        )
        raise ParameterError(refusal % {"button": repr(text), "max": CODE_MAX}, field=field)
    if kind == "copy_code":
        parameter = {"type": "coupon_code", "coupon_code": value}
        return {"type": "button", "sub_type": "copy_code", "index": str(index), "parameters": [parameter]}
    # OTP (copy code and one-tap): Meta sends the code as the parameter of the button's URL
    return {
        "type": "button",
        "sub_type": "url",
        "index": str(index),
        "parameters": [{"type": "text", "text": value}],
    }
