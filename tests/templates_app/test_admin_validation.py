"""Admin forms of templates, standard responses and channels: every bad input is refused
with a precise message on the form, never a 500, and nothing is saved."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from conversations.models import Channel
from templates_app.composition import template_problems
from templates_app.models import (
    MessageTemplate,
    StandardResponse,
    StandardResponseAttachment,
    StandardResponseCategory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE_ADD = "/admin/templates_app/messagetemplate/add/"


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(raise_request_exception=False)  # a 500 shows as a status, not an exception
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
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


# --- 12: files checked by content, derived fields, channel numbers ----------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00this program cannot be run in DOS mode"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def rich_media_form(**fields: Any) -> dict[str, Any]:
    return template_form(
        kind="rich_media", name="receipt", header_type="image", list_button="", sections="[]", **fields
    )


def test_a_template_header_that_is_an_exe_named_png_is_refused_with_its_reason(admin_client, media_root):
    data = rich_media_form(header_media=upload("evil.png", EXE, "image/png"))
    response = admin_client.post(TEMPLATE_ADD, data)
    [error] = form_errors(response)["header_media"]
    assert "evil.png is not a file type WhatsApp accepts (detected application/x-msdownload)" in error
    assert not MessageTemplate.objects.exists()
    assert stored_files(media_root) == []


def test_a_rich_media_template_with_an_image_header_needs_its_file(admin_client):
    response = admin_client.post(TEMPLATE_ADD, rich_media_form())
    assert form_errors(response)["header_media"] == [
        "A rich media notification with an image header needs its file: upload one "
        "(WhatsApp shows it above the text)"
    ]
    assert not MessageTemplate.objects.exists()


def test_an_image_header_with_a_pdf_is_refused(admin_client, media_root):
    response = admin_client.post(
        TEMPLATE_ADD, rich_media_form(header_media=upload("r.pdf", PDF, "image/png"))
    )
    assert form_errors(response)["header_media"] == [
        "An image header needs an image; r.pdf is application/pdf (document)"
    ]
    assert not MessageTemplate.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_without_a_media_header_is_refused(admin_client):
    form = notification_form(header_media=upload("photo.png", png(), "image/png"))
    response = admin_client.post(TEMPLATE_ADD, form)
    assert "only sent with an image, video or document header" in form_errors(response)["header_media"][0]
    assert not MessageTemplate.objects.exists()


def test_a_rich_media_template_with_a_real_image_is_saved_named_by_its_content(admin_client, media_root):
    response = admin_client.post(
        TEMPLATE_ADD, rich_media_form(header_media=upload("receipt.pdf", png(), "application/pdf"))
    )
    assert response.status_code == 302
    template = MessageTemplate.objects.get(name="receipt")
    assert template.header_media.name.endswith(".png")  # receipt.pdf.png: WhatsApp checks the extension
    assert template.header_media.read() == png()


RESPONSE_ADD = "/admin/templates_app/standardresponse/add/"


def response_form(category: StandardResponseCategory, **attachment: Any) -> dict[str, Any]:
    data = {
        "category": category.pk,
        "name": "Price list",
        "shortcut": "prices",
        "text": "Here are our prices",
        "language": "",
        "notification": "",
        "is_active": "on",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "attachments-0-sort_order": "0",
    }
    return {**data, **{f"attachments-0-{name}": value for name, value in attachment.items()}}


@pytest.fixture
def category(db) -> StandardResponseCategory:
    return StandardResponseCategory.objects.create(name="Sales")


def test_a_response_attachment_that_is_an_exe_named_pdf_is_refused(admin_client, category, media_root):
    form = response_form(category, file=upload("doc.pdf", EXE, "application/pdf"), file_name="doc.pdf")
    response = admin_client.post(RESPONSE_ADD, form)
    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    [error] = inline.formset.forms[0].errors["file"]
    assert "doc.pdf is not a file type WhatsApp accepts (detected application/x-msdownload)" in error
    assert not StandardResponse.objects.exists()  # the response is not saved without its file
    assert not StandardResponseAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_response_attachments_type_and_size_come_from_the_file_not_the_form(
    admin_client, category, media_root
):
    form = response_form(
        category,
        file=upload("prices.pdf", PDF, "application/pdf"),
        file_name="",
        mime_type="text/html",  # read-only: what a tampered form sends is ignored
        size="5",
    )
    response = admin_client.post(RESPONSE_ADD, form)
    assert response.status_code == 302
    attachment = StandardResponseAttachment.objects.get()
    assert (attachment.mime_type, attachment.size, attachment.file_name) == (
        "application/pdf",
        len(PDF),
        "prices.pdf",
    )


def test_a_response_attachments_name_keeps_an_extension_matching_its_content(
    admin_client, category, media_root
):
    form = response_form(category, file=upload("scan.pdf", png(), "application/pdf"), file_name="Prices.pdf")
    assert admin_client.post(RESPONSE_ADD, form).status_code == 302
    attachment = StandardResponseAttachment.objects.get()
    assert (attachment.mime_type, attachment.file_name) == ("image/png", "Prices.pdf.png")


def test_the_attachment_inline_shows_type_and_size_read_only(admin_client, category):
    page = admin_client.get(RESPONSE_ADD)
    form = page.context["inline_admin_formsets"][0].formset.empty_form
    assert set(form.fields) >= {"file", "file_name", "sort_order"}
    assert "mime_type" not in form.fields and "size" not in form.fields


CHANNEL_ADD = "/admin/conversations/channel/add/"


def channel_form(**fields: Any) -> dict[str, Any]:
    data = {
        "name": "Support",
        "phone_number_id": "555000111",
        "display_phone_number": "15550001234",
        "waba_id": "",
        "access_token": "t",
        "app_secret": "s",
        "verify_token": "v",
        "default_queue": "",
        "is_active": "on",
    }
    return {**data, **fields}


@pytest.mark.parametrize(
    "number", ["abc+x", "1555 000 1234", "++15550001234", "12345", "1" * 16, "١٥٥٥٠٠٠١٢٣٤"]
)
def test_a_channel_number_that_is_not_digits_is_refused(admin_client, number):
    response = admin_client.post(CHANNEL_ADD, channel_form(display_phone_number=number))
    [error] = form_errors(response)["display_phone_number"]
    assert error.startswith("Enter the number as 6 to 15 digits, country code first")
    assert not Channel.objects.exists()


def test_a_channel_number_with_a_leading_plus_is_stored_as_digits(admin_client):
    response = admin_client.post(CHANNEL_ADD, channel_form(display_phone_number=" +15550001234 "))
    assert response.status_code == 302
    assert Channel.objects.get().display_phone_number == "15550001234"
