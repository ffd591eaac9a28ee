"""G3: what a customer's marketing preference allows, and (G2) what a customer known only
by a business-scoped user id can receive (rules: they read a contact and a message's
content, write nothing).

WhatsApp refuses a MARKETING template to a customer who stopped marketing messages from
the business (error 131050, as a failed status after the send was accepted). We refuse it
first, with a reason the agent can act on; UTILITY and AUTHENTICATION templates and
service (free-form) messages are not affected (reference §3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext, gettext_noop

from conversations.models import Contact
from templates_app.models import MessageTemplate

MARKETING_STOPPED = "marketing_stopped"


def marketing_refusal(
    *, contact: Contact, message_type: str, content: Mapping[str, object], translated: bool = False
) -> str:
    """Why this message may not go to ``contact`` ("" when it may): a MARKETING template to
    a customer who stopped marketing messages. In English (the failed message stores it),
    or ``translated`` into the request's language for the refusal answered to the agent."""
    if message_type != "template" or contact.marketing_preference != "stop":
        return ""
    if _category_of(content) != MessageTemplate.Category.MARKETING:
        return ""
    text: Callable[[str], str] = gettext if translated else str
    when = contact.marketing_preference_at
    if when is None:
        return text(
            gettext_noop(
                "the customer stopped marketing messages from this business: a MARKETING template "
                "cannot be sent until they resume (a UTILITY template or, inside the 24-hour window, a "
                "normal message can)"
            )
        )
    return text(
        gettext_noop(
            "the customer stopped marketing messages from this business on %(when)s UTC: a MARKETING "
            "template cannot be sent until they resume (a UTILITY template or, inside the 24-hour "
            "window, a normal message can)"
        )
    ) % {"when": f"{when:%Y-%m-%d %H:%M}"}


NEEDS_PHONE_NUMBER = "needs_phone_number"


def _category_of(content: Mapping[str, object]) -> str | None:
    template_id = content.get("template_id")
    if not template_id or not isinstance(template_id, int | str):
        return None
    return MessageTemplate.objects.filter(pk=template_id).values_list("category", flat=True).first()


def bsuid_refusal(
    *, address: str, wa_id_known: bool, message_type: str, content: Mapping[str, object]
) -> str:
    """G2: WhatsApp refuses AUTHENTICATION templates (one-time codes) to a business-scoped
    user id (error 131062); a customer who hides the number cannot get one until they
    share it. "" when the message may go; in the request's language (only refused, never stored)."""
    if message_type != "template" or wa_id_known or not address:
        return ""
    if _category_of(content) != MessageTemplate.Category.AUTHENTICATION:
        return ""
    return gettext(
        "this customer is known only by their business-scoped user id (they hide their number): "
        "WhatsApp does not deliver AUTHENTICATION templates to it (131062); ask them to share the number"
    )
