"""U4: our admin pages speak the browser's language (English, Brazilian Portuguese, German).

Django translates its own chrome; these pages check what is ours: model and field names
(written or derived from the code), help texts, choices, actions, fieldsets, messages
after an action, form errors and the custom templates. English stays the default.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from conversations.models import Interaction
from templates_app.models import MessageTemplate
from tests.factories import InteractionFactory, QueueFactory, UserFactory
from tests.flows.test_admin import flow_data, hours_rows
from waproject.i18n import TRANSLATED_APPS, derived_labels_path, derived_labels_source

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
PORTUGUESE = {"HTTP_ACCEPT_LANGUAGE": "pt-br"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _page(client, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_admin_index_names_our_apps_and_models_in_the_browsers_language(supervisor_client):
    german = _page(supervisor_client, "/admin/", GERMAN)
    for text in (
        "Konversationen",
        "Interaktionen",
        "Warteschlangen",
        "Nachrichtenvorlagen",
        "Standardantworten",
    ):
        assert text in german
    for text in ("Eingangsabläufe", "Arbeitskörbe", "Audit-Protokoll", "Wartehinweise und Umfragen"):
        assert text in german
    portuguese = _page(supervisor_client, "/admin/", PORTUGUESE)
    for text in (
        "Conversas",
        "Interações",
        "Filas",
        "Modelos de mensagem",
        "Respostas padrão",
        "Fluxos de entrada",
    ):
        assert text in portuguese
    english = _page(supervisor_client, "/admin/", {})
    for text in ("Conversations", "Interactions", "Queues", "Message templates", "Standard responses"):
        assert text in english
    assert "Interaktionen" not in english and "Interações" not in english


def test_the_interaction_list_translates_columns_filters_choices_and_the_done_action(supervisor_client):
    InteractionFactory(state=Interaction.State.QUEUED)
    german = _page(supervisor_client, "/admin/conversations/interaction/", GERMAN)
    assert "Erledigt: ausgewählte Interaktionen schließen" in german  # our action
    assert "Warteschlange" in german and "Kanal" in german  # derived field names (columns, filters)
    assert "Wartet in der Warteschlange" in german  # a choice's label
    portuguese = _page(supervisor_client, "/admin/conversations/interaction/", PORTUGUESE)
    assert "Concluir: encerrar as interações selecionadas" in portuguese
    assert "Aguardando na fila" in portuguese
    english = _page(supervisor_client, "/admin/conversations/interaction/", ENGLISH)
    assert "Done: close the selected interactions" in english and "Waiting in queue" in english


def test_the_done_action_reports_in_the_browsers_language(supervisor_client):
    interaction = InteractionFactory(state=Interaction.State.QUEUED)
    response = supervisor_client.post(
        "/admin/conversations/interaction/",
        {"action": "close", "_selected_action": [interaction.pk]},
        follow=True,
        **PORTUGUESE,
    )
    assert "1 interação encerrada." in response.content.decode()


def test_the_interaction_page_translates_labels_and_help_texts(supervisor_client):
    interaction = InteractionFactory()
    url = f"/admin/conversations/interaction/{interaction.pk}/change/"
    german = _page(supervisor_client, url, GERMAN)
    assert "Fenster läuft ab am" in german  # a derived field name
    assert "24 Stunden nach der letzten Nachricht des Kunden" in german  # its help text
    english = _page(supervisor_client, url, {})
    assert "Window expires at" in english and "24 hours after the customer" in english


def test_the_message_template_pages_translate_fieldsets_the_preview_and_the_pull_button(supervisor_client):
    add = _page(supervisor_client, "/admin/templates_app/messagetemplate/add/", GERMAN)
    for text in ("Buttons und Listen", "Beim Speichern zur Prüfung an Meta übermitteln", "Live-Vorschau"):
        assert text in add
    assert "Kopfzeilentyp" in add and "Benachrichtigung (Textvorlage)" in add  # field name, choice
    MessageTemplate.objects.create(name="order_update", language="en", body="Hello {{1}}")
    changelist = _page(supervisor_client, "/admin/templates_app/messagetemplate/", PORTUGUESE)
    assert "Obter da Meta" in changelist
    assert "Excluir os modelos selecionados na Meta" in changelist
    english = _page(supervisor_client, "/admin/templates_app/messagetemplate/", {})
    assert "Pull from Meta" in english


def test_the_flow_and_survey_forms_translate_fieldsets_and_help_texts(supervisor_client):
    flow = _page(supervisor_client, "/admin/flows/flow/add/", GERMAN)
    assert "Zeitüberschreitungen und Gespräch mit einer Person" in flow
    assert "Ein aktiver Ablauf pro Nummer" in flow and "In einer Warteschlange warten" in flow
    flow_pt = _page(supervisor_client, "/admin/flows/flow/add/", PORTUGUESE)
    assert "Horário de atendimento" in flow_pt and "Um fluxo ativo por número" in flow_pt
    survey = _page(supervisor_client, "/admin/surveys/queuecare/add/", GERMAN)
    assert "Während des Wartens (B2)" in survey and "Wartehinweise senden" in survey


def test_a_form_error_is_given_in_the_browsers_language(supervisor_client):
    response = supervisor_client.post("/admin/conversations/contact/add/", {"name": "Lena"}, **GERMAN)
    assert "Geben Sie eine WhatsApp-Nummer" in response.content.decode()
    response = supervisor_client.post("/admin/conversations/contact/add/", {"name": "Lena"}, **PORTUGUESE)
    assert "Informe um número de WhatsApp" in response.content.decode()


def test_a_models_own_checks_and_a_formsets_refuse_in_the_browsers_language(supervisor_client, channel):
    data = flow_data(
        channel, time_zone="Europe/Atlantis", **hours_rows((0, "08:00", "12:00"), (0, "11:00", "18:00"))
    )
    page = supervisor_client.post("/admin/flows/flow/add/", data, **GERMAN).content.decode()
    assert "&#x27;Europe/Atlantis&#x27; ist keine Zeitzone" in page  # Flow.clean
    assert "Montag: 08:00-12:00 und 11:00-18:00 überschneiden sich" in page  # the hours' formset


def test_a_refused_delete_says_why_in_the_browsers_language(supervisor_client):
    interaction = InteractionFactory(state=Interaction.State.QUEUED)
    queue = interaction.queue or QueueFactory()
    Interaction.objects.filter(pk=interaction.pk).update(queue=queue)
    page = _page(supervisor_client, f"/admin/conversations/queue/{queue.pk}/delete/", PORTUGUESE)
    assert "1 interação(ões) aberta(s) nesta fila" in page


def test_derived_labels_are_translated_lazily_and_change_no_migration():
    field = Interaction._meta.get_field("window_expires_at")
    assert field._verbose_name is None  # what migrations read: nothing written
    with translation.override("de"):
        assert str(field.verbose_name) == "Fenster läuft ab am"
        assert str(Interaction._meta.verbose_name_plural) == "Interaktionen"
    with translation.override("en"):
        assert str(field.verbose_name) == "window expires at"
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("app_label", TRANSLATED_APPS)
def test_every_derived_label_is_listed_for_makemessages(app_label):
    """A new model or field: run ``manage.py derived_labels``, then makemessages."""
    assert derived_labels_path(app_label).read_text() == derived_labels_source(app_label), (
        f"{app_label}/derived_labels.py is stale: run `python manage.py derived_labels`, then makemessages "
        "and compilemessages in the app (docs/architecture.md, the admin in three languages)"
    )
