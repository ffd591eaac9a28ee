"""Admin forms of templates, standard responses and channels: every bad input is refused
with a precise message on the form, never a 500, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from templates_app.composition import template_problems
from templates_app.models import MessageTemplate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE_ADD = "/admin/templates_app/messagetemplate/add/"


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(raise_request_exception=False)  # a 500 shows as a status, not an exception
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def template_form(**fields: Any) -> dict[str, Any]:
    data = {
        "kind": "list",
        "name": "pick_a_slot",
        "language": "en_US",
        "category": "UTILITY",
        "channel": "",
        "header_type": "none",
        "header_text": "",
        "body": "Pick a slot",
        "footer": "",
        "buttons": "[]",
        "list_button": "Slots",
        "sections": '[{"title": "Tomorrow", "rows": [{"id": "am", "title": "Morning"}]}]',
        "status": "DRAFT",
    }
    return {**data, **fields}


def notification_form(**fields: Any) -> dict[str, Any]:
    return template_form(kind="notification", name="order_ready", list_button="", sections="[]", **fields)


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code  # the form again, not a 500
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


def test_a_well_formed_list_template_is_saved(admin_client):
    response = admin_client.post(TEMPLATE_ADD, template_form())
    assert response.status_code == 302
    assert MessageTemplate.objects.get(name="pick_a_slot").sections[0]["rows"][0]["id"] == "am"


# --- 6: rows and sections --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ('[{"title": "s", "rows": 5}]', 'section 1: "rows" is a list of row objects'),
        ('[{"title": "s", "rows": null}]', 'section 1: "rows" is a list of row objects'),
        ('[{"title": "s", "rows": "Morning"}]', 'section 1: "rows" is a list of row objects'),
        ('[{"title": "s", "rows": [1, 2]}]', 'section 1: "rows" is a list of row objects'),
        ('[{"title": "s"}]', 'section 1: "rows" is a list of row objects'),
        ('["Morning"]', "section 1 is not an object"),
        ('[{"title": "s", "rows": []}]', "section 1 has no rows"),
        (
            '[{"title": "a", "rows": [{"id": "1", "title": "x"}]}, {"rows": [{"id": "2", "title": "y"}]}]',
            "section 2 needs a title when there are several sections",
        ),
        ('[{"title": "s", "rows": [{"title": "Morning"}]}]', "'Morning' needs an id of 1 to 200 characters"),
        (
            '[{"title": "s", "rows": [{"id": "a", "title": "x"}, {"id": "a", "title": "y"}]}]',
            "option ids must differ; 'a' is repeated",
        ),
        ('[{"title": "s", "rows": [{"id": "a", "title": "x\\u0000"}]}]', "sections: text may not contain"),
        ('[{"title": "s", "rows": [{"id": "a", "title": "\\ud800"}]}]', "unpaired surrogate"),
        (
            '[{"title": "s", "rows": [{"id": "a", "title": "x", "n": NaN}]}]',
            "NaN and Infinity are not numbers JSON can hold",
        ),
    ],
)
def test_malformed_sections_are_a_form_error_naming_the_section(admin_client, sections, message):
    response = admin_client.post(TEMPLATE_ADD, template_form(sections=sections))
    errors = form_errors(response)["sections"]
    assert message in " ".join(errors)
    assert not any("1 to 10" in error for error in errors)  # no follow-on from what was refused
    assert not MessageTemplate.objects.exists()


def test_buttons_with_a_nul_character_are_refused(admin_client):
    buttons = '[{"type": "quick_reply", "text": "Y\\u0000es"}]'
    response = admin_client.post(TEMPLATE_ADD, notification_form(buttons=buttons))
    assert "buttons: text may not contain the NUL character" in " ".join(form_errors(response)["buttons"])
    assert not MessageTemplate.objects.exists()


# --- 6: parameter numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "placeholder"),
    [
        ("{{1}} and {{99999999999999999999}}", "{{99999999999999999999}}"),
        ("{{1}} and {{50000000}}", "{{50000000}}"),
        ("{{1}} and {{101}}", "{{101}}"),
        ("{{0}}", "{{0}}"),
        ("{{1}} {{" + "9" * 5000 + "}}", "{{" + "9" * 20 + "…}}"),  # beyond int()'s digit limit
    ],
)
def test_a_parameter_number_beyond_100_is_a_form_error_naming_it(admin_client, body, placeholder):
    response = admin_client.post(TEMPLATE_ADD, notification_form(body=body))
    errors = form_errors(response)["body"]
    assert f"{placeholder}: parameters are numbered {{{{1}}}} to {{{{100}}}}" in errors
    assert not MessageTemplate.objects.exists()


def test_parameter_numbers_are_checked_without_building_a_range(monkeypatch):
    """A typo of 50 million costs nothing: it is refused from its digits alone."""
    import builtins

    real_range = builtins.range

    def small_range(*args: int):
        assert max(args) <= 101, f"range{args} built"
        return real_range(*args)

    monkeypatch.setattr(builtins, "range", small_range)
    template = MessageTemplate(kind="notification", name="t", body="{{1}} {{50000000}}")
    assert template_problems(template)["body"] == ["{{50000000}}: parameters are numbered {{1}} to {{100}}"]


def test_one_hundred_parameters_are_allowed(admin_client):
    body = " ".join(f"{{{{{n}}}}}" for n in range(1, 101))
    response = admin_client.post(TEMPLATE_ADD, notification_form(body=body))
    assert response.status_code == 302
    assert MessageTemplate.objects.get(name="order_ready").body == body


def test_a_header_parameter_other_than_1_is_refused(admin_client):
    response = admin_client.post(
        TEMPLATE_ADD, notification_form(header_type="text", header_text="Order {{2}}", body="Hi")
    )
    assert "{{2}}: a header's parameter is {{1}}" in form_errors(response)["header_text"]
    assert not MessageTemplate.objects.exists()
