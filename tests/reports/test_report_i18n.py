"""U4: the report and search pages in the visitor's language (Accept-Language)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-07", "tz": "UTC"}


@pytest.fixture
def supervisor(client):
    user = UserFactory(username="sam", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def charts_of(html: str) -> str:
    """The text of the page's SVG charts (titles and legends)."""
    return " ".join(
        base64.b64decode(data).decode() for data in re.findall(r"data:image/svg\+xml;base64,([^\"]+)", html)
    )


@pytest.mark.parametrize(
    ("language", "lang", "words", "chart_words"),
    [
        ("en", "en", ["Messages by type", "2026-03-01 to 2026-03-07 (7 days, UTC)", "Download CSV"], ["Volumes by day", "Messages in"]),
        ("pt-BR", "pt-br", ["Mensagens por tipo", "2026-03-01 a 2026-03-07 (7 dias, UTC)", "Baixar CSV"], ["Volumes por dia", "Mensagens recebidas"]),
        ("de", "de", ["Nachrichten nach Typ", "2026-03-01 bis 2026-03-07 (7 Tage, UTC)", "CSV herunterladen", "Nach Warteschlange"], ["Mengen nach Tag", "Eingehende Nachrichten"]),
    ],
)  # fmt: skip
def test_the_report_speaks_the_browser_language(client, supervisor, language, lang, words, chart_words):
    page = client.get(reverse("reports:report"), PERIOD, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html
    charts = charts_of(html)
    for word in chart_words:
        assert word in charts


def test_one_day_is_singular(client, supervisor):
    one_day = {**PERIOD, "date_to": "2026-03-01"}
    html = client.get(reverse("reports:report"), one_day, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "2026-03-01 bis 2026-03-01 (1 Tag, UTC)" in html


def test_the_search_page_and_its_script_speak_the_browser_language(client, supervisor):
    html = client.get(reverse("reports:search"), HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert "Pesquisar interações" in html and "Contato, número ou nome de usuário" in html
    assert html.index('<script src="/jsi18n/">') < html.index("reports/search.js")
    catalogue = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '"No messages.": "Keine Nachrichten."' in catalogue


def test_its_refusals_and_row_labels_are_translated_too(client, supervisor):
    from reports.services import Fact, Kind, facts_record

    facts_record([Fact(Kind.MESSAGE_IN, datetime(2026, 3, 2, 8, 10, tzinfo=UTC), detail="text")])
    html = client.get(reverse("reports:report"), PERIOD, HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert "(sem fila)" in html and "(sem agente)" in html and "Recebidas: " in html
    backwards = {**PERIOD, "date_from": "2026-03-09"}
    refused = client.get(reverse("reports:report"), backwards, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 400
    assert "darf nicht nach date_to (2026-03-07) liegen" in refused.content.decode()
    client.force_login(UserFactory(username="al"))
    forbidden = client.get(reverse("reports:report"), PERIOD, HTTP_ACCEPT_LANGUAGE="de")
    assert forbidden.status_code == 403
    assert "Berichte sind für Supervisoren" in forbidden.content.decode()
