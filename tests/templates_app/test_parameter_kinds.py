"""G1: a pulled template's values besides text, given when it is sent: a LOCATION header's
place, a COPY_CODE button's coupon code, an OTP button's code (copy code and one-tap), a
FLOW button's token; each checked, each error naming its input."""

from __future__ import annotations

import pytest

from templates_app.composition import TemplateError, compose, parameter_slots
from templates_app.models import MessageTemplate

pytestmark = pytest.mark.django_db
T = MessageTemplate


def template(**fields) -> MessageTemplate:
    defaults = {"name": "pulled", "language": "en_US", "status": T.Status.APPROVED, "body": "Hi {{1}}"}
    return T.objects.create(**{**defaults, **fields})


def components(composed) -> list[dict]:
    return composed.content["template"]["components"]


def test_a_location_header_is_sent_with_its_place():
    pickup = template(header_type="location", body="Your parcel waits here, {{1}}.")
    assert parameter_slots(pickup)["location"] is True
    composed = compose(
        pickup,
        parameters={
            "body": ["Lena"],
            "location": {"latitude": "52.52", "longitude": 13.405, "name": "Locker 12", "address": ""},
        },
    )
    assert components(composed)[0] == {
        "type": "header",
        "parameters": [
            {"type": "location", "location": {"latitude": 52.52, "longitude": 13.405, "name": "Locker 12"}}
        ],
    }


@pytest.mark.parametrize(
    ("place", "field", "said"),
    [
        (None, "location", "give its latitude and longitude"),
        ({"latitude": 91, "longitude": 0}, "location.latitude", "from -90 to 90"),
        ({"latitude": 0, "longitude": "east"}, "location.longitude", "from -180 to 180"),
        ({"latitude": 0, "longitude": 0, "name": ["x"]}, "location.name", "a text of up to 1000"),
    ],
)
def test_a_wrong_place_is_refused_by_its_input(place, field, said):
    with pytest.raises(TemplateError, match=said) as refused:
        compose(template(header_type="location"), parameters={"body": ["Lena"], "location": place})
    assert refused.value.extra["field"] == field


BUTTONS = [
    {"type": "copy_code", "example": "SPRING25"},
    {"type": "otp", "otp_type": "one_tap", "text": "Autofill"},
    {"type": "flow", "text": "Book a table", "flow_id": "123"},
]


def test_copy_code_otp_and_flow_buttons_take_their_values():
    offer = template(buttons=BUTTONS)
    slots = parameter_slots(offer)["buttons"]
    assert [(s["index"], s["kind"], s["optional"]) for s in slots] == [
        (0, "copy_code", False),
        (1, "otp", False),
        (2, "flow", True),
    ]
    composed = compose(
        offer, parameters={"body": ["Sam"], "buttons": {"0": "SPRING25", "1": "482913", "2": "tok-7"}}
    )
    assert components(composed)[1:] == [
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": "0",
            "parameters": [{"type": "coupon_code", "coupon_code": "SPRING25"}],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "482913"}],
        },
        {
            "type": "button",
            "sub_type": "flow",
            "index": "2",
            "parameters": [{"type": "action", "action": {"flow_token": "tok-7"}}],
        },
    ]


def test_a_flow_token_is_optional():
    composed = compose(template(buttons=BUTTONS[2:]), parameters={"body": ["Sam"]})
    assert components(composed)[1]["parameters"] == [{"type": "action", "action": {}}]


@pytest.mark.parametrize(
    ("values", "field", "said"),
    [
        ({"1": "482913"}, "buttons.0", "coupon code of '' is 1 to 15 characters"),
        ({"0": "WAY-TOO-LONG-CODE", "1": "1"}, "buttons.0", "1 to 15 characters"),
        ({"0": "A B", "1": "1"}, "buttons.0", "without spaces"),
        ({"0": "OK", "1": ""}, "buttons.1", "one-time code of 'Autofill'"),
        ({"0": "OK", "1": "1", "2": "x" * 201}, "buttons.2", "at most 200"),
        ({"0": "OK", "1": ["1"]}, "buttons.1", "value is a text"),
    ],
)
def test_a_wrong_button_value_is_refused_by_its_input(values, field, said):
    with pytest.raises(TemplateError, match=said) as refused:
        compose(template(buttons=BUTTONS), parameters={"body": ["Sam"], "buttons": values})
    assert refused.value.extra["field"] == field


def test_the_button_values_are_an_object():
    with pytest.raises(TemplateError, match="an object by button index"):
        compose(template(buttons=BUTTONS), parameters={"body": ["Sam"], "buttons": ["SPRING25"]})
