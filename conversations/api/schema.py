"""OpenAPI generation for our API style (thin APIViews with nested Input serializers), and
what makes ``/api/schema/`` true to the server: schemathesis checks it in the test suite
(tests/test_schema_conformance.py), every answer against it.

What the server does for every endpoint is declared here once, not on each view:

- every refusal is the error envelope ``{"error": {"code", "message", "fields"?}}``
  (conversations/api/errors.py), so every 4xx is documented with it;
- 401 (no or bad credentials), 403 (not allowed: permissions, or a cookie session without
  its CSRF token) and 429 (throttled) can answer any operation; 404 any operation with an
  id in its path or input that names rows; 400 any operation that takes input, 415 any
  that takes a body;
- the parsers (conversations/api/parsers.py) refuse NUL and lone surrogates in every string
  and key of a body, and ``query_text`` in query strings: every string of a request says
  so with a pattern, and free-form objects (case data, parameters…) hold ``JSONValue``s;
- a body field the input serializer does not declare is refused (``additionalProperties:
  false``; ``inputs.BodySerializer``);
- request bodies are JSON (the form parsers stay for the console's file uploads and for
  clients that post forms, but only JSON is promised).

A view declares what only it does: its success status and body (a payload shape of
``conversations.payloads``, which becomes a component of the same name: ``body``,
``page_of``; ``shape`` for a small answer of its own), 409 when its service can refuse on
the current state, 413 for an upload; an input serializer's ``json_schema_extra``
adds the rules between its fields (``exactly_one_of``…).

What no schema can say stays a 400 without ``fields``: the rules of the domain, which
depend on the rows the request names (a template's parameters, a file's content, inviting
yourself…). A 400 *with* ``fields`` is the input's shape, which the schema states in full.
"""

from __future__ import annotations

import inspect
import types
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from conversations.api.inputs import NO_NUL, BodySerializer

#: What a required, trimmed text field accepts: a character that is not whitespace, and no NUL.
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
#: Any JSON value the parsers let through: strings and keys without NUL, at any depth.
JSON_VALUE: dict[str, Any] = {
    "description": "Any JSON value; strings and keys hold no NUL character.",
    "anyOf": [
        {"type": "null"},
        {"type": "boolean"},
        {"type": "number"},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": {"$ref": "#/components/schemas/JSONValue"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": {"$ref": "#/components/schemas/JSONValue"},
        },
    ],
}
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a stable code, a message for people, and the invalid fields.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable"},
                "message": {"type": "string"},
                "fields": {"type": "object", "description": "400 only: the messages per input field"},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def error(description: str) -> OpenApiResponse:
    """An error answer a view declares (409, 413…); its body, the envelope, is added by
    ``declare_errors``."""
    return OpenApiResponse(description=description)


CONFLICT = error("the current state does not allow it (the code says why)")
#: Value schemas for ``shape``.
INT: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
TEXT: dict[str, Any] = {"type": "string"}
OBJECT: dict[str, Any] = {"type": "object"}


def shape(description: str, **properties: dict[str, Any]) -> OpenApiResponse:
    """A success body that is an object with these keys, always present (more may come)."""
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return OpenApiResponse(schema, description=description)


# --- response bodies from the payload shapes ----------------------------------------------------

#: The payload shapes (``conversations.payloads`` TypedDicts) the schema names, by name: each
#: becomes a component of ``/api/schema/``, added by :func:`declare_errors`.
_COMPONENTS: dict[str, type] = {}
_SIMPLE = {str: "string", bool: "boolean", int: "integer", float: "number"}


def schema_of(hint: Any) -> dict[str, Any]:
    """The JSON Schema (OpenAPI 3.1) of a payload type: a ``TypedDict`` is a reference to its
    component (named after it), ``X | None`` is X or null, ``list[X]`` an array of X,
    ``dict[str, X]`` an object of X, ``Literal["a", "b"]`` a string enum, ``Any`` and ``object`` (JSON not known) anything."""
    if is_typeddict(hint):
        known = _COMPONENTS.setdefault(hint.__name__, hint)
        if known is not hint:
            raise TypeError(f"two payload shapes are named {hint.__name__}: {known} and {hint}")
        return {"$ref": f"#/components/schemas/{hint.__name__}"}
    if hint is Any or hint is object:
        return {}
    if hint is None or hint is type(None):
        return {"type": "null"}
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    origin, args = get_origin(hint), get_args(hint)
    if origin in (NotRequired, Required):
        return schema_of(args[0])
    if origin in (Union, types.UnionType):
        options = [schema_of(arg) for arg in args]
        if all(list(option) == ["type"] for option in options):
            return {"type": [option["type"] for option in options]}
        return {"anyOf": options}
    if origin is Literal and all(isinstance(arg, str) for arg in args):
        return {"type": "string", "enum": list(args)}  # U2's name_source
    if origin is list:
        return {"type": "array", "items": schema_of(args[0]) if args else {}}
    if origin is dict:
        if not args or args[1] is Any or args[1] is object:
            return {"type": "object"}
        return {"type": "object", "additionalProperties": schema_of(args[1])}
    raise TypeError(f"no JSON Schema for the payload type {hint!r}")


def _component(shape: type) -> dict[str, Any]:
    """A payload shape's component: its keys, all required unless ``NotRequired``."""
    hints = get_type_hints(shape, include_extras=True)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: schema_of(hint) for name, hint in hints.items()},
        "required": [name for name, hint in hints.items() if get_origin(hint) is not NotRequired],
    }
    doc = inspect.getdoc(shape)
    if doc and doc != inspect.getdoc(dict):
        schema["description"] = doc.split("\n\n")[0].replace("\n", " ")
    return schema


def body(hint: Any, description: str = "") -> OpenApiResponse:
    """A success answer whose body is the payload shape ``hint`` (``list[Shape]``, ``Shape``…)."""
    return OpenApiResponse(schema_of(hint), description=description or _describe(hint))


def page_of(shape: type, description: str = "") -> OpenApiResponse:
    """A cursor-paginated list of ``shape``: ``next`` and ``previous`` page links, ``results``."""
    link = {"type": ["string", "null"]}
    schema = {
        "type": "object",
        "properties": {
            "next": link,
            "previous": link,
            "results": schema_of(types.GenericAlias(list, (shape,))),
        },
        "required": ["next", "previous", "results"],
    }
    return OpenApiResponse(schema, description=description or f"a page of {shape.__name__}, newest first")


def _describe(hint: Any) -> str:
    name = getattr(hint, "__name__", "") or str(hint)
    return name if is_typeddict(hint) else str(hint).replace("conversations.payloads.", "")


def _add_components(components: dict[str, Any]) -> None:
    """Every payload shape referred to, and the shapes they refer to in turn."""
    done: set[str] = set()
    while pending := [name for name in _COMPONENTS if name not in done]:
        for name in pending:
            components[name] = _component(_COMPONENTS[name])
            done.add(name)


class AutoSchema(SpectacularAutoSchema):
    """Names each nested ``InputSerializer`` after its view (``ContactDetailInput``…), and
    documents a JSON object where a view has no declared output serializer."""

    def _get_serializer_name(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = type(serializer).__qualname__
        if "." in qualname:  # declared inside a view class
            view_name = qualname.split(".")[0].removesuffix("Api")
            return f"{view_name}{name}"
        return name

    def _get_serializer(self) -> Any:
        view = self.view
        if not getattr(view, "serializer_class", None) and not hasattr(view, "get_serializer"):
            return None  # an APIView: request and response are declared with extend_schema
        return super()._get_serializer()

    def get_response_serializers(self) -> Any:
        return super().get_response_serializers() or OpenApiTypes.OBJECT

    def map_parsers(self) -> list[Any]:
        """JSON where the view reads JSON (a file upload keeps its multipart)."""
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        """Our PATCH views validate their input in full (DRF's ``partial`` is for model
        updates we do not do): a required field is required in the schema too."""
        if self.method != "PATCH":
            return super()._get_request_for_media_type(serializer, direction)
        self.method = "POST"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = "PATCH"

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            serializer = force_instance(serializer)
            for name, field_schema in schema.get("properties", {}).items():
                _refuse_unstorable(serializer.fields[name], field_schema)
            if isinstance(serializer, BodySerializer):  # a field it does not declare is refused
                schema["additionalProperties"] = False
            else:  # ignored (the parsers check its key and value like the rest)
                schema["propertyNames"] = {"pattern": NO_NUL}
                schema["additionalProperties"] = {"$ref": "#/components/schemas/JSONValue"}
            schema.update(getattr(serializer, "json_schema_extra", {}))
        return schema


def exactly_one_of(*names: str) -> dict[str, Any]:
    """``json_schema_extra`` for "give exactly one of these fields"."""
    return {"oneOf": [{"required": [name]} for name in names]}


def _refuse_unstorable(field: serializers.Field, schema: dict[str, Any]) -> None:
    """What the parsers and the field refuse, in the field's request schema."""
    if isinstance(field, serializers.DictField) and schema.get("additionalProperties", {}) == {}:
        schema["propertyNames"] = {"pattern": NO_NUL}
        schema["additionalProperties"] = {"$ref": "#/components/schemas/JSONValue"}
    elif isinstance(field, serializers.CharField):
        # An allow_blank field with a format is "that format or empty" (a oneOf): the text
        # constraint goes on the first branch.
        target = schema["oneOf"][0] if "oneOf" in schema else schema
        if target.get("type") == "string" and not {"pattern", "format", "enum"} & set(target):
            blank_refused = not field.allow_blank and field.trim_whitespace
            target["pattern"] = NOT_BLANK if blank_refused else NO_NUL


def declare_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: the error answers every API operation can give (see the module
    docstring), the error envelope on every 4xx, and no NUL in string query parameters."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_ENVELOPE
    components["JSONValue"] = JSON_VALUE
    _add_components(components)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("pattern", NO_NUL)
            takes_input = "requestBody" in operation or any(p.get("in") == "query" for p in parameters)
            responses = operation.setdefault("responses", {})
            defaults = {
                "401": "no credentials, or credentials that are not valid",
                "403": "not allowed (a permission, or a cookie session without its CSRF token)",
                "429": "too many requests: try again after the Retry-After header's seconds",
            }
            if takes_input:
                defaults["400"] = "the input is not valid: the message and 'fields' say what"
            if "requestBody" in operation:
                defaults["415"] = "the body is not in a content type this operation reads"
            if takes_input or "{" in path:
                defaults["404"] = "no such row, or not one the caller may see"
            for code, description in defaults.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = {"application/json": {"schema": _ERROR_REF}}
    return result
