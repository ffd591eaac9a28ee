"""A small synchronous client for the WhatsApp Cloud API (Graph API), built on httpx.

One :class:`CloudApiClient` per business number holds one ``httpx.Client`` so that
consecutive calls reuse the connection. Every failure surfaces as a
:class:`~whatsapp.errors.CloudApiError` subclass (retryable, needs a
template, permanent); callers never see httpx exceptions. The access token only ever
travels in the ``Authorization`` header: it is not stored on the instance, nor shown in
``repr()`` or error messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypedDict
from urllib.parse import quote

import httpx
from django.conf import settings

from . import payloads
from .errors import (
    CloudApiError,
    PermanentError,
    RetryableError,
    error_from_graph_response,
    int_or_none,
    network_error,
)
from .templates import LIST_FIELDS, TemplatePage, TemplateRecord, template_page_parse

#: G5: what :meth:`CloudApiClient.get_phone_number` asks for (reference §5.1);
#: ``messaging_limit_tier`` is deprecated for the portfolio's
#: ``whatsapp_business_manager_messaging_limit``, both are read.
PHONE_NUMBER_FIELDS = (
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "name_status",
    "status",
    "throughput",
    "messaging_limit_tier",
    "whatsapp_business_manager_messaging_limit",
)


@dataclass(frozen=True)
class SendResult:
    """Meta accepted the message (not delivered yet: delivery arrives as status webhooks).

    ``wa_id`` is the id WhatsApp resolved the recipient to, which may differ from the
    number sent to (Brazil, Mexico); it is None when sending to a business-scoped user id.
    """

    wamid: str
    wa_id: str | None
    raw: dict[str, Any]


class ChannelCredentials(Protocol):
    """What a client needs of a number (a ``conversations.models.Channel``; the wire
    imports no model)."""

    @property
    def access_token(self) -> str: ...

    @property
    def phone_number_id(self) -> str: ...


class TemplateCreated(TypedDict):
    """Meta's answer to a template creation."""

    id: str
    status: str
    category: str


@dataclass(frozen=True)
class MediaInfo:
    """Metadata of an uploaded or received media object; ``url`` is valid for 5 minutes."""

    url: str
    mime_type: str
    sha256: str
    file_size: int | None
    id: str


class CloudApiClient:
    """Send messages and manage media for one phone number id."""

    def __init__(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.base_url = (base_url or settings.WHATSAPP_GRAPH_BASE_URL).rstrip("/")
        self.api_version = (api_version or settings.WHATSAPP_API_VERSION).strip("/")
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {access_token}"},
        )

    @classmethod
    def for_channel(
        cls,
        channel: ChannelCredentials,
        *,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> Self:
        """A client for a :class:`~conversations.models.Channel` (its number and token)."""
        return cls(
            access_token=channel.access_token,
            phone_number_id=channel.phone_number_id,
            base_url=base_url,
            api_version=api_version,
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"CloudApiClient(phone_number_id={self.phone_number_id!r}, base_url={self.base_url!r})"

    # --- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- messages ----------------------------------------------------------------

    def send(self, payload: dict[str, Any]) -> SendResult:
        """POST a body built by :mod:`.payloads`; return the wamid Meta assigned."""
        response = self._request("POST", self._url(self.phone_number_id, "messages"), json=payload)
        data = self._json(response)
        messages = data.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        wamid = first.get("id") if isinstance(first, dict) else None
        if not isinstance(wamid, str) or not wamid:
            raise _unexpected(response.status_code, "send response has no messages[0].id")
        contacts = data.get("contacts")
        contact = contacts[0] if isinstance(contacts, list) and contacts else {}
        wa_id = contact.get("wa_id") if isinstance(contact, dict) else None
        return SendResult(wamid=wamid, wa_id=wa_id if isinstance(wa_id, str) and wa_id else None, raw=data)

    def mark_as_read(self, message_id: str, *, typing_indicator: bool = False) -> None:
        """Blue ticks for ``message_id`` and the earlier messages of the thread."""
        payload = payloads.mark_read(message_id, typing_indicator=typing_indicator)
        response = self._request("POST", self._url(self.phone_number_id, "messages"), json=payload)
        self._require_success(response, what="mark as read")

    # --- the number ----------------------------------------------------------------

    def get_phone_number(self, fields: tuple[str, ...] = PHONE_NUMBER_FIELDS) -> dict[str, Any]:
        """G5: the number's health and identity at Meta (``GET /<phone_number_id>``):
        quality rating, messaging limit, verified name and its review, status, throughput."""
        response = self._request("GET", self._url(self.phone_number_id), params={"fields": ",".join(fields)})
        return self._json(response)

    # --- media -------------------------------------------------------------------

    def upload_media(self, *, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending by id (valid 30 days); return the media id."""
        response = self._request(
            "POST",
            self._url(self.phone_number_id, "media"),
            # The "type" form field is what older docs and libraries send; harmless otherwise.
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        media_id = self._json(response).get("id")
        if not isinstance(media_id, str | int) or isinstance(media_id, bool) or media_id == "":
            raise _unexpected(response.status_code, "upload response has no id")
        return str(media_id)

    def get_media(self, media_id: str) -> MediaInfo:
        """Look up a media id; the returned URL needs the Bearer token and expires in 5 minutes."""
        response = self._request("GET", self._url(media_id), params={"phone_number_id": self.phone_number_id})
        data = self._json(response)
        url = data.get("url")
        if not isinstance(url, str) or not url:
            raise _unexpected(response.status_code, f"media {media_id} has no url")
        return MediaInfo(
            url=url,
            mime_type=str(data.get("mime_type") or ""),
            sha256=str(data.get("sha256") or ""),
            file_size=int_or_none(data.get("file_size")),
            id=str(data.get("id") or media_id),
        )

    def download_media(self, url: str, *, max_bytes: int) -> bytes:
        """Download a media URL from :meth:`get_media`, refusing more than ``max_bytes``.

        The size is checked against ``Content-Length`` and again while streaming, since
        the header may be missing or wrong. A 404 means the URL expired: it raises
        :class:`RetryableError` so the caller asks :meth:`get_media` for a fresh one.
        """
        with self._stream("GET", url) as response:
            if response.status_code == 404:
                raise RetryableError(
                    http_status=404,
                    title="media URL expired or not found; fetch a fresh URL with get_media",
                )
            if not response.is_success:
                raise error_from_graph_response(http_status=response.status_code, body=response.read())
            declared = int_or_none(response.headers.get("Content-Length"))
            if declared is not None and declared > max_bytes:
                raise _too_large(response.status_code, size=f"{declared} bytes", max_bytes=max_bytes)
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise _too_large(
                        response.status_code, size=f"over {max_bytes} bytes", max_bytes=max_bytes
                    )
                chunks.append(chunk)
            return b"".join(chunks)

    def delete_media(self, media_id: str) -> None:
        """Delete an uploaded media object."""
        response = self._request(
            "DELETE", self._url(media_id), params={"phone_number_id": self.phone_number_id}
        )
        self._require_success(response, what=f"delete media {media_id}")

    # --- message templates (G1) ---------------------------------------------------

    #: A pull stops after this many pages (at 100 a page, more than any WABA's limit).
    TEMPLATE_PAGES_MAX = 200

    def message_templates_page(
        self, waba_id: str, *, after: str | None = None, limit: int = 100
    ) -> TemplatePage:
        """One page of the WABA's templates (``after``: the previous page's cursor)."""
        params: dict[str, str | int] = {"fields": LIST_FIELDS, "limit": limit}
        if after:
            params["after"] = after
        response = self._request("GET", self._url(waba_id, "message_templates"), params=params)
        return self._page(response)

    def message_templates_all(
        self, waba_id: str, *, limit: int = 100
    ) -> tuple[list[TemplateRecord], list[str]]:
        """Every template of the WABA, page after page, and what could not be read.

        ``paging.next`` is followed when it points at our Graph host (a token never goes
        elsewhere), else the ``after`` cursor; a page that repeats a cursor ends the pull.
        """
        page = self.message_templates_page(waba_id, limit=limit)
        templates, problems = list(page.templates), list(page.problems)
        seen: set[str] = set()
        for _ in range(self.TEMPLATE_PAGES_MAX):
            if not page.next_url or not page.after or page.after in seen:
                break
            seen.add(page.after)
            if page.next_url.startswith(f"{self.base_url}/"):
                page = self._page(self._request("GET", page.next_url))
            else:
                page = self.message_templates_page(waba_id, after=page.after, limit=limit)
            templates.extend(page.templates)
            problems.extend(page.problems)
        return templates, problems

    def template_create(self, waba_id: str, body: dict[str, object]) -> TemplateCreated:
        """Submit a new template for review: ``{"id", "status", "category"}`` ("": not said)."""
        response = self._request("POST", self._url(waba_id, "message_templates"), json=body)
        data = self._json(response)
        if not isinstance(data.get("id"), str | int) or isinstance(data.get("id"), bool):
            raise _unexpected(response.status_code, "template creation answered no id")
        return {
            "id": str(data["id"]),
            "status": str(data.get("status") or "PENDING"),
            "category": str(data.get("category") or ""),
        }

    def template_edit(self, template_id: str, changes: dict[str, object]) -> None:
        """Edit a template (category, components): it goes back to review."""
        response = self._request("POST", self._url(template_id), json=changes)
        self._require_success(response, what=f"edit template {template_id}")

    def template_delete(self, waba_id: str, *, name: str, template_id: str | None = None) -> None:
        """Delete one language of a template (``template_id``), else every language of ``name``."""
        params = {"name": name}
        if template_id:
            params["hsm_id"] = template_id
        response = self._request("DELETE", self._url(waba_id, "message_templates"), params=params)
        self._require_success(response, what=f"delete template {name}")

    # --- resumable upload (a template's media header sample) -------------------------

    def template_sample_upload(self, app_id: str, *, data: bytes, file_type: str, file_name: str) -> str:
        """Upload a media header's sample with Meta's Resumable Upload API; its handle (what
        ``example.header_handle`` of a template's IMAGE, VIDEO or DOCUMENT header names).

        Two calls: ``POST /<APP_ID>/uploads?file_name=&file_length=&file_type=`` opens a
        session (``{"id": "upload:…"}``), ``POST /<SESSION_ID>`` with ``Authorization: OAuth
        <token>`` and ``file_offset: 0`` sends the bytes (``{"h": "<handle>"}``). The file is
        small (a sample), so it goes in one piece; an interrupted upload is started again.
        """
        params: dict[str, str | int] = {
            "file_name": file_name,
            "file_length": len(data),
            "file_type": file_type,
        }
        response = self._request("POST", self._url(app_id, "uploads"), params=params)
        session = self._json(response).get("id")
        if not isinstance(session, str) or not session.startswith("upload:"):
            raise _unexpected(response.status_code, "the upload session answered no upload: id")
        # Meta's session id may end in "?sig=…": that part is the query string, sent as it came
        path, _, query = session.partition("?")
        url = f"{self.base_url}/{self.api_version}/{quote(path, safe=':')}" + (f"?{query}" if query else "")
        token = self._http.headers["Authorization"].removeprefix("Bearer ")  # kept only there
        headers = {"Authorization": f"OAuth {token}", "file_offset": "0"}
        response = self._request("POST", url, headers=headers, content=data)
        handle = self._json(response).get("h")
        if not isinstance(handle, str) or not handle:
            raise _unexpected(response.status_code, "the upload answered no file handle (h)")
        return handle

    def _page(self, response: httpx.Response) -> TemplatePage:
        try:
            return template_page_parse(self._json(response))
        except ValueError as exc:
            raise _unexpected(response.status_code, str(exc)) from None

    # --- plumbing ----------------------------------------------------------------

    def _url(self, *segments: str) -> str:
        path = "/".join(quote(str(segment), safe="") for segment in segments)
        return f"{self.base_url}/{self.api_version}/{path}"

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; non-2xx and network failures become CloudApiError."""
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.RequestError as exc:  # timeouts, connection and protocol failures
            raise network_error(exc) from exc
        if not response.is_success:
            raise error_from_graph_response(http_status=response.status_code, body=response.content)
        return response

    @contextmanager
    def _stream(self, method: str, url: str) -> Iterator[httpx.Response]:
        """Like :meth:`_request` but streamed; a network failure mid-body is also retryable."""
        try:
            # Redirects are followed here only; httpx drops Authorization on a cross-origin hop.
            with self._http.stream(method, url, follow_redirects=True) as response:
                yield response
        except httpx.RequestError as exc:
            raise network_error(exc) from exc

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise _unexpected(response.status_code, "response body is not a JSON object")
        return data

    @staticmethod
    def _require_success(response: httpx.Response, *, what: str) -> None:
        """Graph answers ``{"success": true}``; only an explicit ``false`` is a failure."""
        try:
            data = response.json()
        except ValueError:
            return
        if isinstance(data, dict) and data.get("success") is False:
            raise _unexpected(response.status_code, f"{what}: Graph API answered success=false")


def _unexpected(http_status: int, title: str) -> CloudApiError:
    """A 2xx answer we cannot use. Permanent: the request was accepted, so retrying may duplicate."""
    return PermanentError(http_status=http_status, title=title)


def _too_large(http_status: int, *, size: str, max_bytes: int) -> PermanentError:
    return PermanentError(
        http_status=http_status,
        title=f"media is too large to download ({size}; the limit is {max_bytes} bytes)",
    )
