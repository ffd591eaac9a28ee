"""U4: the sign-in page (and its lockout explanation) in the visitor's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from waproject.auth import duration_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "lang", "words"),
    [
        ("en-US,en;q=0.9", "en", ["Sign in to take conversations.", "Username", "Password", ">Sign in</button>"]),
        ("pt-BR,pt;q=0.9", "pt-br", ["Entre para atender conversas.", "Nome de usuário", "Senha", ">Entrar</button>"]),
        ("de-DE,de;q=0.9", "de", ["Melden Sie sich an, um Gespräche anzunehmen.", "Benutzername", "Passwort", ">Anmelden</button>"]),
    ],
)  # fmt: skip
def test_the_sign_in_page_speaks_the_browser_language(language, lang, words):
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html


def test_a_wrong_password_is_said_in_the_browser_language():
    answer = Client().post(
        "/accounts/login/", {"username": "nobody", "password": "x"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Benutzername und Passwort passen nicht zusammen." in answer.content.decode()


def test_the_lockout_wait_is_said_in_the_active_language():
    assert duration_text(timedelta(hours=1, minutes=30)) == "1 hour 30 minutes"
    with translation.override("de"):
        assert duration_text(timedelta(minutes=15)) == "15 Minuten"
        assert duration_text(timedelta(hours=1)) == "1 Stunde"
    with translation.override("pt-br"):
        assert duration_text(timedelta(seconds=1)) == "1 segundo"
