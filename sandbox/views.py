"""HTTP endpoints of the sandbox: a Graph API look-alike, and the customer phone page with its JSON API.

Graph API (``/sandbox/graph/<version>/…``), the same requests and answers as
``https://graph.facebook.com/<version>/…`` (reference §6, §7, §10); each call is recorded
(``GraphCall``, never the token):

* ``POST <version>/<phone_number_id>/messages`` (``Authorization: Bearer <channel token>``, JSON):
  a send → ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}``,
  then signed status webhooks to ``PUBLIC_BASE_URL/webhooks/whatsapp/``: ``sent`` and ``delivered``
  after ``WHATSAPP_SANDBOX_STATUS_DELAYS`` seconds, ``read`` when the phone page shows the message
  (or after ``WHATSAPP_SANDBOX_AUTO_READ_SECONDS``), ``played`` when it plays an audio message,
  ``failed`` (131047) for a free-form message outside the 24-hour window. A mark-as-read
  (``{"messaging_product": "whatsapp", "status": "read", "message_id", "typing_indicator"?}``)
  → ``{"success": true}``. Errors: ``{"error": {"message": "(#<code>) …", "type", "code",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}}`` with Meta's codes.
* ``POST <version>/<phone_number_id>/media`` (multipart ``messaging_product``, ``file``, ``type``) → ``{"id"}``.
* ``GET <version>/<media_id>[?phone_number_id=]`` → ``{"messaging_product", "url", "mime_type",
  "sha256", "file_size", "id"}``; ``DELETE`` → ``{"success": true}``.
* ``GET <url>`` (``/sandbox/lookaside/whatsapp_business/attachments/?mid=…``) with the Bearer
  token → the bytes (401 without a token; 404 once the 5-minute URL expired or for a wrong one).

Customer phone page: ``GET /sandbox/phone/[?phone_number_id=&wa_id=&name=]`` (no login: it plays
the public customer). Its JSON API, also the sandbox's programmatic API for tests and demos
(JSON bodies; errors are ``{"error": "<what is wrong>", "field"?: "<which input>"}`` with 400,
404 for an unknown number/chat/message, 405, 415):

* ``POST /sandbox/phone/api/send`` ``{"phone_number_id", "wa_id", "profile_name"?, "type", …}`` where
  ``type`` and its fields are one of:
  ``"text"`` + ``"text": "…"`` (or ``{"body": "…"}``);
  ``"image" | "video" | "audio" | "document"`` + ``"<type>": {"id": <from api/media>, "caption"?, "filename"?}``;
  ``"location"`` + ``"location": {"latitude", "longitude", "name"?, "address"?}``;
  ``"button_reply" | "list_reply"`` + ``"message_id": <interactive wamid>, "reply_id": <button/row id>``;
  ``"button"`` (template quick reply) + ``"message_id": <template wamid>, "index": <button position>``;
  ``"reaction"`` + ``"message_id", "emoji"`` (the same emoji again, or ``""``, removes it);
  optional ``"reply_to": <wamid>`` quotes a message (text, media, location).
  The webhook is posted signed, synchronously → ``{"message": <message>, "webhook": {"url", "status", "ok", "error"}}``.
* ``POST /sandbox/phone/api/media`` (multipart ``phone_number_id``, ``file``) → ``{"id", "mime_type", "sha256", "file_size", "filename"}``.
* ``GET /sandbox/phone/api/history?phone_number_id=&wa_id=`` → ``{"chat": <chat> | null, "messages": [<message>, …]}``.
* ``GET /sandbox/phone/api/chats?phone_number_id=`` → ``{"chats": [{"wa_id", "profile_name", "last_activity_at"}]}``.
* ``POST /sandbox/phone/api/seen`` ``{"phone_number_id", "wa_id"}`` → ``{"read": <how many messages>}``.
* ``POST /sandbox/phone/api/played`` ``{"phone_number_id", "wa_id", "message_id"}`` → ``{"played": true}``.
* ``GET /sandbox/phone/api/calls?phone_number_id=[&limit=]`` → ``{"calls": [<recorded Graph API call>, …]}``.
* Live updates: WebSocket ``/ws/sandbox/phone/<phone_number_id>/<wa_id>/`` → ``{"type": "message", "message"}``
  and ``{"type": "chat", "chat"}`` frames.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from conversations.models import Channel
from sandbox import events, selectors, services
from sandbox.errors import GraphError, unknown_object
from sandbox.models import SandboxChat, SandboxMedia
from sandbox.phone_input import (
    PhoneInputError,
    customer_message_build,
    phone_number_id_clean,
    profile_name_clean,
    wa_id_clean,
)
from waproject.files import secure_file_response

#: The phone page only loads its own scripts and styles; media may come from business links.
PHONE_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data: blob:; "
    "media-src 'self' http: https: blob:; connect-src 'self' ws: wss:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
CALLS_LIMIT_MAX = 200

GraphResult = tuple[int, dict[str, Any], Channel | None]


# --- Graph API -----------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return request.GET.get("access_token", "")


def _request_record(request: HttpRequest) -> Any:
    """What the caller sent, for the call log (form fields and file facts for uploads)."""
    if request.content_type == "multipart/form-data":
        files = {
            name: {"name": f.name, "size": f.size, "content_type": f.content_type}
            for name, f in request.FILES.items()
        }
        return {"form": dict(request.POST.items()), "files": files}
    try:
        raw = request.body
    except RequestDataTooBig:
        return {"error": "body too large to record"}
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _graph_endpoint(view: Callable[..., GraphResult]) -> Callable[..., HttpResponse]:
    """Answer ``GraphError`` in Meta's shape and record every exchange."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        channel = None
        try:
            status, body, channel = view(request, **kwargs)
        except GraphError as exc:
            status, body = exc.http_status, exc.body()
            if kwargs.get("phone_number_id"):
                channel = selectors.channel_get(phone_number_id=kwargs["phone_number_id"])
        except RequestDataTooBig:
            status, body = 413, GraphError(100, "The request body is too large.").body()
        services.graph_call_record(
            method=request.method or "",
            path=request.get_full_path(),
            channel=channel,
            request_body=_request_record(request),
            response_status=status,
            response_body=body,
        )
        return JsonResponse(body, status=status)

    return wrapper


def _graph_json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise GraphError(100, "The request body is not valid JSON.") from None


@_graph_endpoint
def graph_messages(request: HttpRequest, *, version: str, phone_number_id: str) -> GraphResult:
    if request.method != "POST":
        raise unknown_object(phone_number_id, request.method or "get")
    channel = services.graph_channel_authenticate(phone_number_id=phone_number_id, token=_bearer(request))
    return 200, services.graph_messages_post(channel=channel, body=_graph_json(request)), channel


@_graph_endpoint
def graph_media_upload(request: HttpRequest, *, version: str, phone_number_id: str) -> GraphResult:
    if request.method != "POST":
        raise unknown_object(phone_number_id, request.method or "get")
    channel = services.graph_channel_authenticate(phone_number_id=phone_number_id, token=_bearer(request))
    if request.content_type != "multipart/form-data":
        raise GraphError(100, "Upload the file as multipart/form-data (messaging_product, file, type).")
    product = request.POST.get("messaging_product")
    if product != "whatsapp":
        raise GraphError(100, message="The parameter messaging_product is required.")
    upload = request.FILES.get("file")
    if upload is None:
        raise GraphError(100, message="The parameter file is required.")
    media = services.media_upload(
        channel=channel,
        upload=upload,
        declared_type=request.POST.get("type", ""),
        origin=SandboxMedia.Origin.BUSINESS,
    )
    return 200, {"id": media.media_id}, channel


@_graph_endpoint
def graph_media(request: HttpRequest, *, version: str, media_id: str) -> GraphResult:
    method = request.method or "GET"
    if method not in ("GET", "DELETE"):
        raise unknown_object(media_id, method)
    media = services.graph_media_authenticate(
        media_id=media_id,
        token=_bearer(request),
        phone_number_id=request.GET.get("phone_number_id", ""),
        method=method,
    )
    channel = media.channel
    if method == "DELETE":
        services.media_delete(media=media)
        return 200, {"success": True}, channel
    return 200, services.media_info(media=media), channel


@_graph_endpoint
def graph_unknown(request: HttpRequest, *, rest: str) -> GraphResult:
    raise GraphError(2500, message=f"Unknown path components: /{rest}")


@csrf_exempt
def media_download(request: HttpRequest) -> HttpResponse:
    """The short-lived media URL: needs the Bearer token, like Meta's lookaside URLs."""
    signed = request.GET.get("mid", "")
    try:
        media = services.media_from_download(signed=signed, token=_bearer(request))
    except GraphError as exc:
        status, body = exc.http_status, exc.body()
    else:
        if media is not None and request.method in ("GET", "HEAD"):
            services.graph_call_record(
                method=request.method,
                path=request.path,
                channel=media.channel,
                request_body={},
                response_status=200,
                response_body={"content_type": media.mime_type, "bytes": media.file_size},
            )
            return _file_response(media)
        status, body = 404, {"error": {"message": "URL signature expired or not found", "code": 404}}
    services.graph_call_record(
        method=request.method or "",
        path=request.path,
        channel=None,
        request_body={},
        response_status=status,
        response_body=body,
    )
    return JsonResponse(body, status=status)


def _file_response(media: SandboxMedia, *, inline: bool = False) -> HttpResponse:
    try:
        return secure_file_response(
            media.file, content_type=media.mime_type, file_name=media.filename, download=not inline
        )
    except OSError:
        return JsonResponse({"error": "the file is gone from the media store"}, status=404)


# --- customer phone page -------------------------------------------------------------


def phone_page(request: HttpRequest) -> HttpResponse:
    """The customer's phone: pick a business number and a customer, then chat."""
    channels = selectors.channel_list()
    wanted = request.GET.get("phone_number_id", "")
    channel = next((c for c in channels if c.phone_number_id == wanted), channels[0] if channels else None)
    recent = selectors.chat_list_recent(channel=channel) if channel is not None else []
    wa_id = request.GET.get("wa_id", "")
    try:
        wa_id = wa_id_clean(wa_id) if wa_id else ""
    except PhoneInputError:
        wa_id = ""
    name = request.GET.get("name", "")[:256]
    if wa_id and not name:
        name = next((chat.profile_name for chat in recent if chat.wa_id == wa_id), "")
    config = {
        "channels": [
            {
                "phone_number_id": c.phone_number_id,
                "name": c.name,
                "display_phone_number": c.display_phone_number,
            }
            for c in channels
        ],
        "phone_number_id": channel.phone_number_id if channel else "",
        "wa_id": wa_id,
        "profile_name": name,
        "api": {
            "send": reverse("sandbox:phone-api-send"),
            "media": reverse("sandbox:phone-api-media"),
            "history": reverse("sandbox:phone-api-history"),
            "chats": reverse("sandbox:phone-api-chats"),
            "seen": reverse("sandbox:phone-api-seen"),
            "played": reverse("sandbox:phone-api-played"),
            "calls": reverse("sandbox:phone-api-calls"),
        },
        "ws_path": "/ws/sandbox/phone/",
    }
    context = {
        "channels": channels,
        "channel": channel,
        "recent": recent,
        "wa_id": wa_id,
        "name": name,
        "config": config,
    }
    response = render(request, "sandbox/phone.html", context)
    response["Content-Security-Policy"] = PHONE_PAGE_CSP
    return response


def _phone_api(*methods: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., HttpResponse]]:
    """JSON in and out; ``PhoneInputError`` becomes a 4xx answer that says what is wrong."""

    def decorate(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise PhoneInputError(f"use {' or '.join(methods)}", status=405)
                return JsonResponse(view(request, **kwargs))
            except PhoneInputError as exc:
                return JsonResponse(exc.body(), status=exc.status)
            except RequestDataTooBig:
                return JsonResponse({"error": "the request body is too large"}, status=413)

        return wrapper

    return decorate


def _json_input(request: HttpRequest) -> dict[str, Any]:
    """A JSON object body. Requiring the JSON content type keeps other sites' plain forms out."""
    if request.content_type != "application/json":
        raise PhoneInputError("send a JSON body with Content-Type: application/json", status=415)
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        raise PhoneInputError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise PhoneInputError("the body must be a JSON object")
    return data


def _channel_of(value: Any) -> Channel:
    channel = selectors.channel_get(phone_number_id=phone_number_id_clean(value))
    if channel is None:
        raise PhoneInputError(
            "no active business number has this phone_number_id", field="phone_number_id", status=404
        )
    return channel


def _chat_of(channel: Channel, value: Any) -> SandboxChat:
    chat = selectors.chat_get(channel=channel, wa_id=wa_id_clean(value))
    if chat is None:
        raise PhoneInputError("this customer has no chat with this number yet", field="wa_id", status=404)
    chat.channel = channel
    return chat


@_phone_api("POST")
def phone_api_send(request: HttpRequest) -> dict[str, Any]:
    data = _json_input(request)
    channel = _channel_of(data.get("phone_number_id"))
    wa_id = wa_id_clean(data.get("wa_id"))
    profile_name = profile_name_clean(data.get("profile_name"))
    chat = selectors.chat_get(channel=channel, wa_id=wa_id)
    message = customer_message_build(data=data, chat=chat, channel_id=channel.pk)
    record, post = services.customer_message_send(
        channel=channel, wa_id=wa_id, profile_name=profile_name, message=message
    )
    return {
        "message": events.message_payload(record),
        "webhook": {"url": post.url, "status": post.response_status, "ok": post.ok, "error": post.error},
    }


@_phone_api("POST")
def phone_api_media(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "multipart/form-data":
        raise PhoneInputError("upload the file as multipart/form-data (phone_number_id, file)", status=415)
    channel = _channel_of(request.POST.get("phone_number_id"))
    upload = request.FILES.get("file")
    if upload is None:
        raise PhoneInputError("file is required", field="file")
    try:
        media = services.media_upload(
            channel=channel, upload=upload, declared_type="", origin=SandboxMedia.Origin.CUSTOMER
        )
    except GraphError as exc:
        raise PhoneInputError(exc.details or exc.title, field="file") from None
    return {
        "id": media.media_id,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "filename": media.filename,
    }


@_phone_api("GET")
def phone_api_history(request: HttpRequest) -> dict[str, Any]:
    channel = _channel_of(request.GET.get("phone_number_id"))
    chat = selectors.chat_get(channel=channel, wa_id=wa_id_clean(request.GET.get("wa_id")))
    if chat is None:
        return {"chat": None, "messages": []}
    chat.channel = channel
    messages = selectors.chat_messages(chat=chat)
    for message in messages:
        message.chat = chat
    return {"chat": events.chat_payload(chat), "messages": [events.message_payload(m) for m in messages]}


@_phone_api("GET")
def phone_api_chats(request: HttpRequest) -> dict[str, Any]:
    channel = _channel_of(request.GET.get("phone_number_id"))
    chats = selectors.chat_list_recent(channel=channel)
    return {
        "chats": [
            {
                "wa_id": c.wa_id,
                "profile_name": c.profile_name,
                "last_activity_at": c.last_activity_at.isoformat(),
            }
            for c in chats
        ]
    }


@_phone_api("POST")
def phone_api_seen(request: HttpRequest) -> dict[str, Any]:
    data = _json_input(request)
    chat = _chat_of(_channel_of(data.get("phone_number_id")), data.get("wa_id"))
    return {"read": services.customer_seen(chat=chat)}


@_phone_api("POST")
def phone_api_played(request: HttpRequest) -> dict[str, Any]:
    data = _json_input(request)
    chat = _chat_of(_channel_of(data.get("phone_number_id")), data.get("wa_id"))
    wamid = data.get("message_id")
    if not isinstance(wamid, str) or not services.customer_played(chat=chat, wamid=wamid):
        raise PhoneInputError(
            "message_id does not name a business audio message of this chat", field="message_id", status=404
        )
    return {"played": True}


@_phone_api("GET")
def phone_api_calls(request: HttpRequest) -> dict[str, Any]:
    channel = _channel_of(request.GET.get("phone_number_id"))
    try:
        limit = min(max(int(request.GET.get("limit", "50")), 1), CALLS_LIMIT_MAX)
    except ValueError:
        raise PhoneInputError(f"limit must be a number from 1 to {CALLS_LIMIT_MAX}", field="limit") from None
    return {
        "calls": [
            {
                "id": call.pk,
                "created_at": call.created_at.isoformat(),
                "method": call.method,
                "path": call.path,
                "request_body": call.request_body,
                "response_status": call.response_status,
                "response_body": call.response_body,
                "error_code": call.error_code,
                "wamid": call.wamid,
            }
            for call in selectors.graph_calls(channel=channel, limit=limit)
        ]
    }


def phone_media(request: HttpRequest, signed: str) -> HttpResponse:
    """A file shown on the phone page, by the signed link its message payload carries."""
    media = services.media_from_phone_link(signed=signed)
    if media is None:
        return JsonResponse({"error": "no such file, or the link expired: reload the chat"}, status=404)
    return _file_response(media, inline=True)
