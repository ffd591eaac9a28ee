"""What the API accepts from a client besides the JSON body: ids in paths and query strings,
text query parameters, and the serializer fields every endpoint shares.

Ids are bounded to the database's range (a signed 64-bit integer on PostgreSQL and SQLite)
before they reach a query: beyond it, SQLite raises OverflowError and PostgreSQL a
"bigint out of range" error, both a 500. Digits are ASCII only: ``str.isdigit()`` also says
yes to "²" (which ``int()`` refuses) and to "٣" (which ``int()`` turns into 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from django.urls import register_converter
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.request import Request

from conversations.services.sessions import PHONE_PATTERN

#: A string without NUL, which PostgreSQL refuses in text (the parsers refuse it in bodies).
NO_NUL = "^[^\\x00]*$"
#: The largest id a row can have (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
#: Up to 18 ASCII digits is always below MAX_ID; 19 digits are checked by value.
_ID_TEXT = re.compile(r"[0-9]{1,19}")
#: Free-text query parameters (searches) are capped: a longer one is not a search, and
#: SQLite refuses LIKE patterns above 50 000 bytes (a 500).
MAX_QUERY_TEXT = 200


def parse_id(text: str, *, allow_zero: bool = False) -> int | None:
    """``text`` as an id (1..MAX_ID; 0 too with ``allow_zero``), else None."""
    if not _ID_TEXT.fullmatch(text):
        return None
    value = int(text)
    low = 0 if allow_zero else 1
    return value if low <= value <= MAX_ID else None


class IdConverter:
    """The ``<id:pk>`` path converter: an id in the database's range, else the URL does not
    match (a 404 in the error shape, from ``errors.not_found_view``)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not an id")  # Django: this path does not match
        return parsed

    def to_url(self, value: int | str) -> str:
        return str(value)


#: Registered once, here (this module is imported once): every API URL module names its
#: ids ``<id:pk>``.
register_converter(IdConverter, "id")


def _posted_as_form(field: serializers.Field) -> bool:
    """Whether the field's input came from a form or multipart post, where every value is
    text; a JSON body carries its types, and a value of the wrong type is refused."""
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class CharField(serializers.CharField):
    """Text, and only text: DRF's CharField turned a JSON number into a string (``"phone":
    0`` was saved as "0"), where the schema promises a string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) and not _posted_as_form(self):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "maxLength": 32, "pattern": PHONE_PATTERN, "example": "+49 151 1234-5678"}
)
class PhoneField(CharField):
    """A customer's WhatsApp number in international form. The service checks it against
    the same pattern, and refuses it with its own code (``bad_phone``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


class IdField(serializers.IntegerField):
    """A row id in a request body: a whole number from 1 to MAX_ID (in JSON, a number:
    ``"7"`` is not an id)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        # JSON Schema's integer is a number without a fraction: 7.0 is one, "7" and true are not.
        whole = isinstance(data, int) or (isinstance(data, float) and data.is_integer())
        if (isinstance(data, bool) or not whole) and not _posted_as_form(self):
            self.fail("invalid")
        if isinstance(data, float) and whole:
            data = int(data)  # DRF reads str(1e17), "1e+17", as no number
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """A boolean that means the same in a form post as in JSON.

    DRF's BooleanField reads a field missing from form data as False (the way an unticked
    HTML checkbox is absent), so a required flag silently became "no" and a default of True
    became False. Here a missing field is missing: required → 400, else its default. In
    JSON only ``true`` and ``false`` are booleans (DRF also took "yes", 1, "on"…).
    """

    default_empty_html = empty

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool) and not _posted_as_form(self):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


#: What a browser adds to a form post besides its fields: Django's CSRF token (a body
#: that is a form, never JSON, may carry it).
FORM_EXTRAS = frozenset({"csrfmiddlewaretoken"})


def unknown_fields_check(data: Mapping[str, object], accepted: Iterable[str]) -> None:
    """Refuse a body field that is not ``accepted``: 400 ``invalid``, ``fields`` naming
    each unknown field, the message the accepted ones. A typo (``reason_code`` for
    ``reason``) or a field of another endpoint was silently dropped, and the request did
    something else than asked (a Not Ready without its reason)."""
    names = list(accepted)
    tolerated = FORM_EXTRAS if isinstance(data, QueryDict) else frozenset()
    unknown = sorted(name for name in data if name not in names and name not in tolerated)
    if not unknown:
        return
    message = (
        _("unknown field; the body takes %(names)s") % {"names": ", ".join(names)}
        if names
        else _("unknown field; this request takes no body fields")
    )
    raise serializers.ValidationError({name: [message] for name in unknown})


class BodySerializer(serializers.Serializer):
    """The base of every request body serializer: a field it does not declare is refused
    (``unknown_fields_check``), where DRF ignores it. Checked in ``to_internal_value``,
    so a nested ``BodySerializer`` (and each item of a ``many=True`` list of them) refuses
    its own unknown fields, the error at their path (``items.0.nmae``). The free-form
    values of a ``DictField`` (case data, template parameters…) are not fields: the
    service reading them checks their keys."""

    def to_internal_value(self, data: object) -> object:
        if isinstance(data, Mapping):
            unknown_fields_check(data, [name for name, field in self.fields.items() if not field.read_only])
        return super().to_internal_value(data)


def _invalid(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


def query_id(request: Request, name: str, *, allow_zero: bool = False) -> int | None:
    """The optional id query parameter ``name`` (None when absent); 400 when it is not an
    id, empty included (``?channel_id=`` named no number: it did not mean "the default")."""
    text = request.query_params.get(name)
    if text is None:
        return None
    value = parse_id(text, allow_zero=allow_zero)
    if value is None:
        low = 0 if allow_zero else 1
        raise _invalid(
            name, _("must be a whole number from %(low)s to %(high)s") % {"low": low, "high": MAX_ID}
        )
    return value


def ids_pattern(limit: int) -> str:
    """Up to ``limit`` comma-separated ids ("12,15"), the form ``query_ids`` accepts and the
    schema states. An id of 18 digits at most (always below MAX_ID), no leading zero."""
    one = "[1-9][0-9]{0,17}"
    return f"^({one}(,{one}){{0,{limit - 1}}})?$"


def query_ids(request: Request, name: str, *, limit: int) -> list[int]:
    """The comma-separated ids of query parameter ``name`` (at most ``limit``); 400 else."""
    text = request.query_params.get(name, "")
    if not re.fullmatch(ids_pattern(limit), text):
        raise _invalid(
            name,
            _("must be at most %(limit)s comma-separated message ids (1 to %(high)s)")
            % {"limit": limit, "high": MAX_ID},
        )
    return [int(part) for part in text.split(",") if part]


#: The schema of an id in a query string or a body (``query_id``, ``IdField``).
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: The schema of a free-text query parameter (``query_text``).
QUERY_TEXT_SCHEMA: dict[str, Any] = {"type": "string", "maxLength": MAX_QUERY_TEXT, "pattern": NO_NUL}


def query_text(request: Request, name: str, *, max_length: int = MAX_QUERY_TEXT) -> str:
    """The free-text query parameter ``name``, stripped ("" when absent); 400 when too long
    or holding a NUL character (PostgreSQL refuses NUL in text)."""
    text = request.query_params.get(name, "").strip()
    if len(text) > max_length:
        raise _invalid(name, _("at most %(limit)s characters") % {"limit": max_length})
    if "\x00" in text:
        raise _invalid(name, _("must not contain NUL characters"))
    return text


def query_choice(request: Request, name: str, *, choices: Iterable[str]) -> str | None:
    """The optional query parameter ``name`` (None when absent), one of ``choices``; 400
    else (empty included)."""
    text = request.query_params.get(name)
    if text is None:
        return None
    allowed = list(choices)
    if text not in allowed:
        raise _invalid(name, _("must be one of %(choices)s") % {"choices": ", ".join(allowed)})
    return text
