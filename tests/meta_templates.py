"""The project's own template-management payloads (G1): Graph template objects and pages,
and the quality and category webhooks, written from Meta's documented shapes.

A template object is what ``GET /<WABA_ID>/message_templates`` lists; the ids are strings
there and integers in webhooks, as at Meta.
"""

from __future__ import annotations

from typing import Any

from tests.cloud_api import SUPPORT, T0, change, entry, webhook

Json = dict[str, Any]


def template_object(
    name: str,
    *,
    id: str,
    language: str = "en_US",
    status: str = "APPROVED",
    category: str = "UTILITY",
    components: list[Json] | None = None,
    **extra: Any,
) -> Json:
    """A template object as Meta lists it (``components`` default: a body only)."""
    return {
        "id": id,
        "name": name,
        "language": language,
        "status": status,
        "category": category,
        "components": components if components is not None else [{"type": "BODY", "text": "Hello"}],
        **extra,
    }


#: Every header format, body, footer and button type the product mirrors.
ORDER_SHIPPED = template_object(
    "order_shipped",
    id="1689556908129832",
    category="UTILITY",
    parameter_format="NAMED",
    quality_score={"score": "GREEN", "date": T0},
    components=[
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{order_id}}",
            "example": {"header_text_named_params": [{"param_name": "order_id", "example": "566701"}]},
        },
        {
            "type": "BODY",
            "text": "Hi {{first_name}}, your parcel is on its way.",
            "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ada"}]},
        },
        {"type": "FOOTER", "text": "Reply STOP to opt out"},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Track",
                    "url": "https://shop.example/t/{{1}}",
                    "example": ["https://shop.example/t/a1"],
                },
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550001234"},
                {"type": "COPY_CODE", "example": "SAVE10"},
            ],
        },
    ],
)
SPRING_SALE = template_object(
    "spring_sale",
    id="1689556908129833",
    language="de",
    status="PAUSED",
    category="MARKETING",
    quality_score={"score": "RED", "date": T0},
    components=[
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
        {"type": "BODY", "text": "Frühling! {{1}} Rabatt", "example": {"body_text": [["10 %"]]}},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop"},
                {"type": "FLOW", "text": "Shop", "flow_id": "77"},
            ],
        },
    ],
)
STORE_LOCATION = template_object(
    "store_location",
    id="1689556908129834",
    status="REJECTED",
    rejected_reason="INVALID_FORMAT",
    components=[{"type": "HEADER", "format": "LOCATION"}, {"type": "BODY", "text": "Our store"}],
)
WELCOME_VIDEO = template_object(
    "welcome_video",
    id="1689556908129835",
    components=[{"type": "HEADER", "format": "VIDEO"}, {"type": "BODY", "text": "Welcome"}],
)
INVOICE = template_object(
    "invoice_ready",
    id="1689556908129836",
    components=[{"type": "HEADER", "format": "DOCUMENT"}, {"type": "BODY", "text": "Your invoice"}],
)
#: A component type the product does not know (kept, marked).
CAROUSEL = template_object(
    "autumn_carousel",
    id="1689556908129837",
    category="MARKETING",
    components=[{"type": "BODY", "text": "See our picks"}, {"type": "CAROUSEL", "cards": []}],
)


def page(templates: list[Json], *, after: str | None = None, next_url: str | None = None) -> Json:
    """One page of the listing; ``after`` and ``next_url`` when another follows."""
    paging: Json = {"cursors": {"before": "QVFIUmJlZAm9yZAQ", "after": after or "QVFIUmxhc3QZD"}}
    if next_url:
        paging["next"] = next_url
    return {"data": templates, "paging": paging}


def quality_update(
    score: str,
    *,
    template_id: int,
    name: str,
    language: str,
    previous: str = "GREEN",
    waba_id: str = SUPPORT.waba_id,
) -> Json:
    value = {
        "previous_quality_score": previous,
        "new_quality_score": score,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
    }
    return webhook(entry(change("message_template_quality_update", value), waba_id=waba_id, time=T0))


def category_update(
    *,
    template_id: int,
    name: str,
    language: str,
    new: str,
    previous: str | None = None,
    correct: str | None = None,
    waba_id: str = SUPPORT.waba_id,
) -> Json:
    value: Json = {
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "new_category": new,
    }
    if previous:
        value["previous_category"] = previous
    if correct:
        value["correct_category"] = correct
        value["category_update_timestamp"] = T0 + 86400
    return webhook(entry(change("template_category_update", value), waba_id=waba_id, time=T0))
