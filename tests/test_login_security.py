"""Sign-in lockout (per user and per address) and API token throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db.models import F
from django.test import Client

from tests.factories import AgentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"  # UserFactory's


def sign_in(username: str, password: str, *, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password, "next": "/console/"}
    )


def cool_off_passes() -> None:
    """The lockout period goes by: every recorded failure becomes that much older."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - django_settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )


def test_thirty_wrong_passwords_lock_the_account_until_the_lockout_period_ends(db):
    alice = AgentProfileFactory(user=UserFactory(username="alice")).user
    assert sign_in("alice", PASSWORD).status_code == 302  # the right password works at first

    answers = [sign_in("alice", f"guess-{n}").status_code for n in range(30)]
    limit = django_settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # "didn't match", the form again
    assert set(answers[limit - 1 :]) == {429}  # the limit-th failure locks

    refused = sign_in("alice", PASSWORD)
    assert refused.status_code == 429  # the right password is refused while locked
    page = refused.content.decode()
    assert "temporarily locked for 15 minutes" in page
    assert refused["Retry-After"] == "900"
    assert "_auth_user_id" not in refused.client.session

    cool_off_passes()
    allowed = sign_in("alice", PASSWORD)
    assert allowed.status_code == 302
    assert allowed["Location"] == "/console/"
    assert allowed.client.session["_auth_user_id"] == str(alice.pk)


def test_failures_from_many_addresses_lock_the_username(db):
    UserFactory(username="bob")
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in("bob", "wrong", address=f"198.51.100.{n + 1}")
    assert sign_in("bob", PASSWORD, address="192.0.2.200").status_code == 429


def test_failures_on_many_usernames_lock_the_address(db):
    UserFactory(username="carol")
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(f"nobody{n}", "wrong", address="198.51.100.9")
    assert sign_in("carol", PASSWORD, address="198.51.100.9").status_code == 429
    assert sign_in("carol", PASSWORD, address="198.51.100.10").status_code == 302  # not her account


def test_a_program_is_told_in_the_api_error_shape(db):
    UserFactory(username="dave")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in("dave", "wrong")
    refused = Client(REMOTE_ADDR="203.0.113.7").post(
        "/accounts/login/", {"username": "dave", "password": PASSWORD}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "locked_out"
    assert "temporarily locked for 15 minutes" in error["message"]
    assert error["retry_after"] == 900


def test_the_admin_sign_in_is_locked_too(db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        admin.post("/admin/login/", {"username": "root", "password": "wrong"})
    refused = admin.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 429


# --- the token-authenticated API -------------------------------------------------------------


@pytest.fixture
def fresh_cache(settings):
    """A cache of its own: throttle counts of earlier tests (same user ids) do not count."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()


def test_the_token_api_is_throttled_with_the_error_envelope_and_retry_after(settings, fresh_cache):
    from rest_framework.authtoken.models import Token

    settings.API_TOKEN_THROTTLE_RATE = "3/minute"
    agent = AgentProfileFactory().user
    program = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    answers = [program.get("/api/v1/agent/me/").status_code for _ in range(3)]
    assert answers == [200, 200, 200]

    throttled = program.get("/api/v1/agent/me/")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60

    # the console (session cookie) is not throttled by the token rate
    console = Client()
    console.force_login(agent)
    assert [console.get("/api/v1/agent/me/").status_code for _ in range(5)] == [200] * 5
