"""U4: WhatsApp's template rules and the templates' refusals speak the request's language
(the agent profile's, else the browser's): the admin form's errors, the API's refusals,
Meta's statuses and the pull's summary. What is stored on a row stays English; English
stays the default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from sandbox.models import SandboxTemplate
from templates_app import syncing
from templates_app.composition import template_problems, template_refusal
from templates_app.models import MessageTemplate, TemplatePull
from tests import meta_templates as mt
from tests.factories import AgentProfileFactory, ChannelFactory, InteractionFactory, UserFactory
from tests.templates_app.conftest import WABA_ID, form_errors, notification_form

pytestmark = pytest.mark.django_db

T = MessageTemplate
ADD = "/admin/templates_app/messagetemplate/add/"
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
PORTUGUESE = {"HTTP_ACCEPT_LANGUAGE": "pt-br"}


def content_manager(*, language: str = "") -> Client:
    client = Client()
    user = UserFactory.create(is_staff=True, is_superuser=True)
    AgentProfileFactory(user=user, language=language)
    client.force_login(user)
    return client


#: The fields that make the admin's notification break three of WhatsApp's rules: its
#: name, its body's parameter numbers, its header's parameters.
THREE_RULES_BROKEN = {
    "name": "Order Update",
    "header_type": "text",
    "header_text": "Order {{1}} for {{2}}",
    "body": "Hi {{1}}, your order {{3}} is ready",
}


def test_the_admin_form_says_whatsapps_rules_in_the_browsers_german():
    errors = form_errors(content_manager().post(ADD, notification_form(**THREE_RULES_BROKEN), **GERMAN))
    assert errors["name"] == [
        "Namen von WhatsApp-Vorlagen bestehen nur aus Kleinbuchstaben, Ziffern und Unterstrichen"
    ]
    assert errors["body"] == ["Parameter sind lückenlos nummeriert: {{1}}, {{2}}, …"]
    assert errors["header_text"] == ["eine Kopfzeile darf höchstens einen Parameter haben"]
    assert not T.objects.exists()


def test_the_admin_form_says_them_in_the_profiles_portuguese_over_the_browsers_german():
    client = content_manager(language="pt-br")
    errors = form_errors(client.post(ADD, notification_form(**THREE_RULES_BROKEN), **GERMAN))
    assert errors["name"] == [
        "nomes de modelos do WhatsApp usam apenas letras minúsculas, dígitos e sublinhados"
    ]
    assert errors["body"] == ["os parâmetros são numerados {{1}}, {{2}}, … sem lacunas"]
    assert errors["header_text"] == ["um cabeçalho pode ter no máximo um parâmetro"]


def test_a_list_and_its_buttons_are_refused_in_german_with_their_numbers():
    data = notification_form(
        kind="list",
        name="pick",
        body="Pick a slot",
        list_button="Slots",
        sections='[{"title": "A", "rows": []}, {"rows": [{"id": "am", "title": "Morning"}]}]',
    )
    errors = form_errors(content_manager().post(ADD, data, **GERMAN))
    assert "Abschnitt 1 hat keine Zeilen; jeder Abschnitt braucht mindestens eine" in errors["sections"]
    assert "Abschnitt 2 braucht einen Titel, wenn es mehrere Abschnitte gibt" in errors["sections"]
    buttons = '[{"type": "quick_reply", "text": "Ja"}, {"type": "url", "text": "Link", "url": "ftp://x"}]'
    errors = form_errors(
        content_manager().post(
            ADD,
            notification_form(name="ok", body="Hi", buttons=buttons),
            **GERMAN,
        )
    )
    assert errors["buttons"] == [
        "verwenden Sie QuickReply-Buttons oder CallToAction-Buttons, nicht beide",
        "ein Website-Button braucht eine http(s)-URL",
    ]


def test_the_admin_form_stays_english_by_default():
    errors = form_errors(content_manager().post(ADD, notification_form(**THREE_RULES_BROKEN)))
    assert errors["name"] == ["WhatsApp template names use lowercase letters, digits and underscores only"]
    assert errors["body"] == ["parameters are numbered {{1}}, {{2}}, … without gaps"]
    assert errors["header_text"] == ["a header may have one parameter at most"]


def test_a_submission_refused_before_meta_is_shown_in_german():
    """Two WABAs and no number chosen: our own refusal, on the channel field."""
    ChannelFactory(waba_id="200000000000001")
    ChannelFactory(waba_id="200000000000002")
    data = notification_form(submit_to_meta="on")
    errors = form_errors(content_manager().post(ADD, data, **GERMAN))
    assert errors["channel"] == ["wählen Sie eine Nummer: ihr WhatsApp-Business-Konto erhält die Vorlage"]


@pytest.fixture
def interaction(channel):
    agent = AgentProfileFactory(language="de").user
    now = timezone.now()
    return InteractionFactory(
        channel=channel, owner=agent, last_inbound_at=now, window_expires_at=now + timedelta(hours=20)
    )


def test_the_apis_refusals_of_a_template_follow_the_agents_profile(client, interaction):
    paused = T.objects.create(
        name="order_update",
        language="en_US",
        status=T.Status.PAUSED,
        quality_score="RED",
        body="Hi {{1}}",
    )
    client.force_login(interaction.owner)
    client.get("/console/")  # a page reads the profile's language for the API's requests
    url = f"/api/v1/interactions/{interaction.pk}/templates/preview/"
    refused = client.post(url, {"template_id": paused.pk}, content_type="application/json").json()["error"]
    assert refused["code"] == "template_not_approved"
    assert refused["message"] == (
        "die Vorlage 'order_update' [en_US] ist von Meta wegen geringer Qualität pausiert (Kunden haben "
        "sie gemeldet oder blockiert) (Qualität: RED); nur genehmigte Vorlagen (APPROVED) können gesendet werden"
    )
    approved = T.objects.create(
        name="order_ready", language="en_US", status=T.Status.APPROVED, body="Hi {{1}}"
    )
    empty = client.post(
        url, {"template_id": approved.pk, "parameters": {"body": [" "]}}, content_type="application/json"
    ).json()["error"]
    assert empty["field"] == "body.1" and empty["message"].endswith("“ ist leer")
    missing = client.post(url, {"template_id": 999999}, content_type="application/json").json()["error"]
    assert missing["message"] == "Vorlage 999999 existiert nicht oder ist nicht für diese Nummer"


def test_statuses_and_the_pull_summary_in_each_language():
    template = T(name="promo", language="pt_BR", status=T.Status.REJECTED, status_reason="INVALID_FORMAT")
    with translation.override("pt-br"):
        assert template_refusal(template) == (
            "o modelo 'promo' [pt_BR] foi rejeitado pela Meta (motivo: INVALID_FORMAT); "
            "só modelos aprovados (APPROVED) podem ser enviados"
        )
    assert template_refusal(template) == (
        "the template 'promo' [pt_BR] was rejected by Meta (reason: INVALID_FORMAT); "
        "only APPROVED templates can be sent"
    )
    report = syncing.PullReport(created=1, updated=2, problems=["x [en_US]: unknown button"])
    with translation.override("de"):
        assert report.summary() == (
            "1 neu, 2 geändert, 0 unverändert, 0 als gelöscht markiert; 1 Problem(e): x [en_US]: unknown button"
        )
        assert str(report).startswith("1 new, 2 changed")  # the record kept on TemplatePull stays English
    with translation.override("de"):
        problems = template_problems(T(name="ok", kind=T.Kind.NOTIFICATION, body=""))
    assert problems == {"body": ["der Text ist erforderlich"]}


def test_what_is_kept_on_the_rows_stays_english_while_the_admin_says_it_in_german(
    business, sandbox_graph, monkeypatch
):
    monkeypatch.setattr(syncing, "_client_for", sandbox_graph)
    SandboxTemplate.objects.create(
        template_id=mt.ORDER_SHIPPED["id"],
        waba_id=WABA_ID,
        name="order_shipped",
        language="en_US",
        category="UTILITY",
        status="APPROVED",
        parameter_format="NAMED",
        components=mt.ORDER_SHIPPED["components"],
    )
    client = content_manager(language="de")
    pulled = client.post("/admin/templates_app/messagetemplate/pull/", follow=True).content.decode()
    assert f"WABA {WABA_ID} abgerufen: 1 neu, 0 geändert, 0 unverändert, 0 als gelöscht markiert" in pulled
    assert TemplatePull.objects.get(waba_id=WABA_ID).report.startswith("1 new, 0 changed")
    template = T.objects.get(name="order_shipped")
    deleted = client.post(
        "/admin/templates_app/messagetemplate/",
        {"action": "delete_at_meta", "_selected_action": [template.pk]},
        follow=True,
    ).content.decode()
    assert "rder_shipped [en_US] wurde bei Meta gelöscht" in deleted  # the message list capitalises it
    template.refresh_from_db()
    assert (template.status, template.status_reason) == ("DELETED", "deleted from the admin")
    draft = T.objects.create(name="draft_one", language="de", body="Hallo")
    refused = client.post(
        "/admin/templates_app/messagetemplate/",
        {"action": "delete_at_meta", "_selected_action": [draft.pk]},
        follow=True,
    ).content.decode()
    assert "raft_one [de]: draft_one [de] wurde nie bei Meta eingereicht" in refused
