"""G5: the client reads a number's health (GET /<phone_number_id>) at the newest Graph
API version it implements, which is the one setting's default."""

from __future__ import annotations

import httpx
from django.conf import settings

from whatsapp.client import PHONE_NUMBER_FIELDS, CloudApiClient
from whatsapp.errors import PACING_CODES, ErrorKind, error_from_graph_response
from whatsapp.limits import GRAPH_API_VERSION, GRAPH_API_VERSIONS


def test_the_default_version_is_the_newest_implemented():
    assert GRAPH_API_VERSION == GRAPH_API_VERSIONS[-1] == "v26.0"
    assert settings.WHATSAPP_API_VERSION == GRAPH_API_VERSION


def test_get_phone_number_asks_for_the_health_fields():
    seen = []

    def meta(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"quality_rating": "YELLOW", "id": "381027465190372"})

    client = CloudApiClient(
        access_token="t",
        phone_number_id="381027465190372",
        base_url="https://graph.example",
        transport=httpx.MockTransport(meta),
    )
    assert client.get_phone_number()["quality_rating"] == "YELLOW"
    request = seen[0]
    assert request.url.path == f"/{GRAPH_API_VERSION}/381027465190372"
    assert request.url.params["fields"].split(",") == list(PHONE_NUMBER_FIELDS)


def test_pacing_errors_are_retryable():
    for code in PACING_CODES:
        body = {"error": {"message": f"(#{code}) slow down", "code": code}}
        assert error_from_graph_response(http_status=400, body=body).kind == ErrorKind.RETRYABLE
