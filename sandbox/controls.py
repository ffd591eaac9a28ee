"""The sandbox phone's JSON API plumbing, and its controls for what Meta would change
about a customer or a number (G2-G5), each posted to our webhook as Meta posts it:

* ``POST /sandbox/phone/api/identity`` ``{"phone_number_id", "wa_id", "username"?, "hides_number"?,
  "new_wa_id"? | "new_user_id": true}``: a username (that may hide the number; no webhook), a
  number change (``user_changed_number``, a new BSUID) or a new BSUID (``user_changed_user_id``).
* ``POST /sandbox/phone/api/marketing`` ``{"phone_number_id", "wa_id", "value": "stop" | "resume"}``:
  the ``user_preferences`` webhook; MARKETING templates to a stopped chat then fail (131050).
* ``POST /sandbox/phone/api/echo`` ``{"phone_number_id", "wa_id", "text"}``: the business wrote from
  the WhatsApp Business app (coexistence): the ``smb_message_echoes`` webhook.
* ``POST /sandbox/phone/api/number`` ``{"phone_number_id", "quality_rating"?, "messaging_limit"?,
  "pacing"?: {"code": 130429 | 131056, "times"}}``: the number's health
  (``phone_number_quality_update``), or the next sends refused for pacing.

Each answers ``{"chat" | "message" | "number": …, "webhook": {"url", "status", "ok", "error"} | null}``;
errors are ``{"error", "field"?}`` with 400 (409 for an impossible identity change, 404 for an
unknown number or chat).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from conversations.models import Channel
from sandbox import events, selectors, services
from sandbox.models import SandboxChat
from sandbox.phone_input import (
    PhoneInputError,
    flag_clean,
    phone_number_id_clean,
    username_clean,
    wa_id_clean,
)


def phone_api(*methods: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., HttpResponse]]:
    """JSON in and out; ``PhoneInputError`` becomes a 4xx answer that says what is wrong."""

    def decorate(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise PhoneInputError(_("use %(methods)s") % {"methods": " / ".join(methods)}, status=405)
                return JsonResponse(view(request, **kwargs))
            except PhoneInputError as exc:
                return JsonResponse(exc.body(), status=exc.status)
            except RequestDataTooBig:
                return JsonResponse({"error": _("the request body is too large")}, status=413)

        return wrapper

    return decorate


def json_input(request: HttpRequest) -> dict[str, Any]:
    """A JSON object body. Requiring the JSON content type keeps other sites' plain forms out."""
    if request.content_type != "application/json":
        raise PhoneInputError(_("send a JSON body with Content-Type: application/json"), status=415)
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        raise PhoneInputError(_("the body is not valid JSON")) from None
    if not isinstance(data, dict):
        raise PhoneInputError(_("the body must be a JSON object"))
    return data


def channel_of(value: Any) -> Channel:
    channel = selectors.channel_get(phone_number_id=phone_number_id_clean(value))
    if channel is None:
        raise PhoneInputError(
            _("no active business number has this phone_number_id"), field="phone_number_id", status=404
        )
    return channel


def chat_of(channel: Channel, value: Any) -> SandboxChat:
    chat = selectors.chat_get(channel=channel, wa_id=wa_id_clean(value))
    if chat is None:
        raise PhoneInputError(_("this customer has no chat with this number yet"), field="wa_id", status=404)
    chat.channel = channel
    return chat


@phone_api("POST")
def phone_api_identity(request: HttpRequest) -> dict[str, Any]:
    """G2: the customer's identity at WhatsApp: ``username`` and ``hides_number`` (no
    webhook), ``new_wa_id`` (a number change, with a new BSUID) or ``new_user_id: true``."""
    data = json_input(request)
    chat = chat_of(channel_of(data.get("phone_number_id")), data.get("wa_id"))
    post = None
    try:
        if "username" in data or "hides_number" in data:
            chat = services.customer_profile_set(
                chat=chat,
                username=username_clean(data["username"]) if "username" in data else None,
                hides_number=flag_clean(data["hides_number"], "hides_number")
                if "hides_number" in data
                else None,
            )
        if data.get("new_wa_id") is not None:
            chat, post = services.customer_number_change(chat=chat, new_wa_id=wa_id_clean(data["new_wa_id"]))
        elif data.get("new_user_id"):
            chat, post = services.customer_user_id_change(chat=chat)
    except services.IdentityChangeError as exc:
        raise PhoneInputError(str(exc), status=409) from None
    return {"chat": events.chat_payload(chat), "webhook": webhook_answer(post)}


@phone_api("POST")
def phone_api_marketing(request: HttpRequest) -> dict[str, Any]:
    """G3: the customer stops or resumes marketing messages (``value``: stop / resume)."""
    data = json_input(request)
    chat = chat_of(channel_of(data.get("phone_number_id")), data.get("wa_id"))
    try:
        chat, post = services.customer_marketing_set(chat=chat, value=str(data.get("value") or ""))
    except services.IdentityChangeError as exc:
        raise PhoneInputError(str(exc), field="value") from None
    return {"chat": events.chat_payload(chat), "webhook": webhook_answer(post)}


@phone_api("POST")
def phone_api_echo(request: HttpRequest) -> dict[str, Any]:
    """G4: the business writes ``text`` to this customer from the WhatsApp Business app
    (coexistence): shown on the phone, echoed to our webhook (``smb_message_echoes``)."""
    data = json_input(request)
    chat = chat_of(channel_of(data.get("phone_number_id")), data.get("wa_id"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > ECHO_TEXT_MAX:
        raise PhoneInputError(
            _("text must be 1 to %(max)d characters") % {"max": ECHO_TEXT_MAX}, field="text"
        )
    message, post = services.business_app_text_send(chat=chat, text=text)
    return {"message": events.message_payload(message), "webhook": webhook_answer(post)}


@phone_api("POST")
def phone_api_number(request: HttpRequest) -> dict[str, Any]:
    """G5: Meta's view of the business number: ``quality_rating`` / ``messaging_limit``
    (posted as ``phone_number_quality_update``), ``pacing: {"code", "times"}`` (the next
    sends refused with 130429 or 131056)."""
    data = json_input(request)
    channel = channel_of(data.get("phone_number_id"))
    post = None
    try:
        pacing = data.get("pacing")
        if pacing is not None:
            if not isinstance(pacing, dict) or not all(
                isinstance(pacing.get(k), int) and not isinstance(pacing.get(k), bool)
                for k in ("code", "times")
            ):
                raise PhoneInputError(_('pacing is {"code": 130429 or 131056, "times": n}'), field="pacing")
            services.number_pacing_set(channel=channel, code=pacing["code"], times=pacing["times"])
        quality, limit = data.get("quality_rating"), data.get("messaging_limit")
        for name, value in (("quality_rating", quality), ("messaging_limit", limit)):
            if value is not None and not isinstance(value, str):
                raise PhoneInputError(_("%(field)s must be text") % {"field": name}, field=name)
        if quality is not None or limit is not None:
            _number, post = services.number_health_set(
                channel=channel, quality_rating=quality, messaging_limit=limit
            )
    except services.NumberChangeError as exc:
        raise PhoneInputError(str(exc)) from None
    return {
        "number": services.number_info(channel=channel, fields=NUMBER_FIELDS),
        "webhook": webhook_answer(post),
    }


NUMBER_FIELDS = "display_phone_number,verified_name,quality_rating,messaging_limit_tier,status"

#: A WhatsApp text message's longest body.
ECHO_TEXT_MAX = 4096


def webhook_answer(post: Any) -> dict[str, Any] | None:
    if post is None:
        return None
    return {"url": post.url, "status": post.response_status, "ok": post.ok, "error": post.error}
