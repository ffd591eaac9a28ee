"""OpenAPI generation for our API style (thin APIViews with nested Input serializers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes


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
