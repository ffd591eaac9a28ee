"""B2/B3 bad input: the admin refuses what WhatsApp would refuse or what makes no sense,
with the reason on the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import QueueCare
from tests.factories import QueueFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def form(queue, **changes) -> dict:
    data = {
        "queue": queue.pk,
        "waiting_notices": "on",
        "waiting_interval_minutes": "5",
        "waiting_text": "You are number {position}; expected wait: {wait}.",
        "abandon_after_minutes": "",
        "survey_enabled": "on",
        "survey_question": "How did we do?",
        "survey_choices": "3 Good\n2 OK\n1 Bad",
        "survey_satisfied_from": "3",
        "survey_comment_prompt": "",
        "survey_comment_minutes": "30",
        "survey_min_days": "30",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(admin_client, data):
    return admin_client.post(reverse("admin:surveys_queuecare_add"), data)


def errors(answer) -> dict:
    return {name: list(errs) for name, errs in answer.context["adminform"].form.errors.items()}


def test_a_valid_configuration_is_saved(admin_client):
    queue = QueueFactory(name="General")
    answer = post(admin_client, form(queue))
    assert answer.status_code == 302
    assert QueueCare.objects.get(queue=queue).waiting_notices


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"survey_choices": "\n".join(f"{n % 10 + 1} Choice {n}" for n in range(11))},
            "survey_choices",
            "11 choices",
        ),
        (
            {"survey_choices": "3 A title far too long for a button\n2 OK\n1 Bad"},
            "survey_choices",
            "at most 20",
        ),
        (
            {
                "survey_choices": "5 A title too long for a list row ok\n4 B\n3 C\n2 D\n1 E",
                "survey_satisfied_from": "4",
            },
            "survey_choices",
            "at most 24",
        ),
        ({"survey_choices": "Good\nBad"}, "survey_choices", "score from 1 to 10"),
        ({"survey_choices": "3 Good\n3 Fine"}, "survey_choices", "own score"),
        ({"survey_choices": "3 Good"}, "survey_choices", "at least two"),
        ({"survey_satisfied_from": "9"}, "survey_satisfied_from", "at most 3"),
        ({"waiting_interval_minutes": "0"}, "waiting_interval_minutes", "greater than or equal to 1"),
        ({"waiting_interval_minutes": "241"}, "waiting_interval_minutes", "less than or equal to 240"),
        ({"waiting_text": "Please wait."}, "waiting_text", "{position} and {wait}"),
        (
            {"waiting_text": "Number {position}, wait {wait}, {oops}"},
            "waiting_text",
            "Only {position} and {wait}",
        ),
        ({"abandon_after_minutes": "0"}, "abandon_after_minutes", "greater than or equal to 1"),
    ],
)
def test_bad_input_is_refused_with_the_reason(admin_client, changes, field, words):
    queue = QueueFactory(name="General")
    answer = post(admin_client, form(queue, **changes))
    assert answer.status_code == 200
    found = errors(answer)
    assert field in found, found
    assert any(words in message for message in found[field]), found[field]
    assert not QueueCare.objects.exists()
