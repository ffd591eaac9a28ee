"""U4: the language of the console: the agent profile's, else the browser's; the API that
sets it; the page, the JavaScript catalogue and the admin's form in it."""

from __future__ import annotations

import pytest

from conversations.models import AgentProfile
from tests.factories import AgentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentProfileFactory().user


@pytest.fixture
def api(client, agent):
    client.force_login(agent)
    return client


def set_language(api, language):
    return api.post("/api/v1/agent/me/language/", {"language": language}, content_type="application/json")


def test_the_agent_chooses_a_language_and_the_console_speaks_it(api, agent):
    response = set_language(api, "de")
    assert response.status_code == 200
    assert response.json() == {"language": "de"}
    assert AgentProfile.objects.get(user=agent).language == "de"

    page = api.get("/console/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in page
    assert "Nicht bereit" in page  # the Ready button (the agent is Not Ready)
    assert 'placeholder="Nachricht eingeben"' in page  # the composer
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    assert 'src="/jsi18n/"' in page  # the catalogue, before the modules

    catalogue = api.get("/jsi18n/").content.decode()
    assert "Verbinde erneut" in catalogue  # "Reconnecting…", a JavaScript text


def test_brazilian_portuguese_too(api):
    assert set_language(api, "pt-br").status_code == 200
    page = api.get("/console/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="pt-br">' in page
    assert "Indisponível" in page
    assert "Reconectando" in api.get("/jsi18n/").content.decode()  # its JSON escapes non-ASCII


def test_no_profile_language_follows_the_browser(api):
    page = api.get("/console/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert '<html lang="de">' in page
    assert "Nicht bereit" in page
    page = api.get("/console/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in page  # no French: the default, English
    assert "Not ready" in page


def test_back_to_the_browsers_language(api, agent):
    set_language(api, "de")
    assert set_language(api, "").json() == {"language": ""}
    assert AgentProfile.objects.get(user=agent).language == ""
    assert '<html lang="pt-br">' in api.get("/console/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()


@pytest.mark.parametrize("language", ["fr", "xx-yy", "de; DROP TABLE", "e" * 11])
def test_an_unknown_language_is_a_clear_400(api, agent, language):
    response = set_language(api, language)
    assert response.status_code == 400
    assert AgentProfile.objects.get(user=agent).language == ""


def test_the_refusal_names_the_languages(api):
    error = set_language(api, "fr").json()["error"]
    assert error["code"] == "unknown_language"
    assert "en, pt-br, de" in error["message"]


def test_a_missing_language_is_a_400(api):
    assert api.post("/api/v1/agent/me/language/", {}, content_type="application/json").status_code == 400


def test_signed_out_users_cannot_set_a_language(client):
    assert set_language(client, "de").status_code in (401, 403)


def test_a_user_without_profile_keeps_the_browsers_language(client):
    user = UserFactory()  # not an agent: the console says so, in the browser's language
    client.force_login(user)
    page = client.get("/console/", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 403
    assert "Die Konsole ist für Agenten" in page.content.decode()


def test_the_admin_sets_an_agents_language(admin_client, agent):
    profile = AgentProfile.objects.get(user=agent)
    form = admin_client.get(f"/admin/conversations/agentprofile/{profile.pk}/change/").content.decode()
    assert 'name="language"' in form
    assert '<option value="pt-br">' in form


def test_api_requests_follow_the_profile_without_reading_it(api, agent):
    """The console's API calls use the session's copy (no query of their own); a page
    reads the profile again, so the admin's change reaches the API after the next page."""
    set_language(api, "de")
    refused = api.post("/api/v1/agent/me/state/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert refused["Content-Language"] == "de"

    AgentProfile.objects.filter(user=agent).update(language="pt-br")  # the admin, say
    assert (
        api.post("/api/v1/agent/me/state/", {}, content_type="application/json")["Content-Language"] == "de"
    )
    api.get("/console/")
    assert (
        api.post("/api/v1/agent/me/state/", {}, content_type="application/json")["Content-Language"]
        == "pt-br"
    )
