"""G1: our templates mirror Meta's. Pulled page after page from the sandbox's Graph API
(in-process), idempotently; a template gone at Meta is marked, not dropped; submitting,
editing and deleting go through Meta, whose refusals name their field."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import GraphCall, SandboxTemplate
from sandbox.validation.uploads import handle_read
from templates_app import syncing
from templates_app.models import MessageTemplate
from tests import meta_templates as mt
from tests.templates_app.conftest import WABA_ID

#: A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

pytestmark = pytest.mark.django_db
T = MessageTemplate


def at_meta(obj: dict, **fields) -> SandboxTemplate:
    """A template Meta holds (the sandbox's store), from one of our Graph template objects."""
    return SandboxTemplate.objects.create(
        template_id=obj["id"],
        waba_id=WABA_ID,
        name=obj["name"],
        language=obj["language"],
        category=obj["category"],
        parameter_format=obj.get("parameter_format", "POSITIONAL"),
        status=obj["status"],
        rejected_reason=obj.get("rejected_reason", "NONE"),
        quality_score=(obj.get("quality_score") or {}).get("score", "UNKNOWN"),
        components=obj["components"],
        **fields,
    )


def pull(sandbox_graph) -> syncing.PullReport:
    return syncing.templates_pull(client_for=sandbox_graph)[WABA_ID]


def test_every_part_of_every_template_is_pulled(business, sandbox_graph):
    for obj in (mt.ORDER_SHIPPED, mt.SPRING_SALE, mt.STORE_LOCATION, mt.WELCOME_VIDEO, mt.INVOICE):
        at_meta(obj)
    report = pull(sandbox_graph)
    assert (report.created, report.updated, report.deleted) == (5, 0, 0)
    shipped = T.objects.get(name="order_shipped")
    assert shipped.whatsapp_template_id == "1689556908129832"
    assert (shipped.status, shipped.category, shipped.quality_score) == ("APPROVED", "UTILITY", "GREEN")
    assert (shipped.parameter_format, shipped.header_type, shipped.header_text) == (
        "NAMED",
        "text",
        "Order {{order_id}}",
    )
    assert shipped.footer == "Reply STOP to opt out"
    assert [b["type"] for b in shipped.buttons] == ["url", "phone_number", "copy_code"]
    assert shipped.channel is None  # the only WABA: usable on each of its numbers
    sale = T.objects.get(name="spring_sale")
    assert (sale.kind, sale.header_type, sale.status, sale.quality_score) == (
        "rich_media",
        "image",
        "PAUSED",
        "RED",
    )
    rejected = T.objects.get(name="store_location")
    assert (rejected.header_type, rejected.status, rejected.status_reason) == (
        "location",
        "REJECTED",
        "INVALID_FORMAT",
    )
    assert {t.header_type for t in T.objects.filter(name__in=["welcome_video", "invoice_ready"])} == {
        "video",
        "document",
    }


def test_a_pull_follows_the_pages(business, sandbox_graph):
    SandboxTemplate.objects.bulk_create(
        SandboxTemplate(
            template_id=str(9000 + n),
            waba_id=WABA_ID,
            name=f"notice_{n:03}",
            language="en_US",
            category="UTILITY",
            status="APPROVED",
            components=[{"type": "BODY", "text": f"Notice {n}"}],
        )
        for n in range(130)
    )
    report = pull(sandbox_graph)
    assert report.created == 130
    assert T.objects.filter(name__startswith="notice_").count() == 130
    listed = GraphCall.objects.filter(method="GET", path__contains="/message_templates")
    assert listed.count() == 2  # 100 a page
    assert all(call.response_status == 200 for call in listed)


def test_a_pull_is_idempotent(business, sandbox_graph):
    at_meta(mt.ORDER_SHIPPED)
    at_meta(mt.SPRING_SALE)
    pull(sandbox_graph)
    before = {t.pk: t.updated_at for t in T.objects.all()}
    again = pull(sandbox_graph)
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 0, 2, 0)
    assert {t.pk: t.updated_at for t in T.objects.all()} == before


def test_a_template_deleted_at_meta_is_marked_not_dropped(business, sandbox_graph):
    gone = at_meta(mt.ORDER_SHIPPED)
    at_meta(mt.SPRING_SALE)
    pull(sandbox_graph)
    gone.status = "DELETED"
    gone.save()
    report = pull(sandbox_graph)
    assert report.deleted == 1
    ours = T.objects.get(name="order_shipped")  # still there: history may refer to it
    assert (ours.status, ours.status_reason) == ("DELETED", "not at Meta any more (template pull)")
    assert T.objects.get(name="spring_sale").status == "PAUSED"
    assert pull(sandbox_graph).deleted == 0  # marked once


def test_a_pull_that_finds_a_template_archived_keeps_what_it_returns_to(business, sandbox_graph):
    at_meta_row = at_meta(mt.ORDER_SHIPPED)  # APPROVED
    pull(sandbox_graph)
    at_meta_row.status = "ARCHIVED"
    at_meta_row.save()
    pull(sandbox_graph)
    ours = T.objects.get(name="order_shipped")
    assert (ours.status, ours.status_before_archive) == ("ARCHIVED", "APPROVED")
    at_meta_row.status = "APPROVED"
    at_meta_row.save()
    pull(sandbox_graph)
    ours.refresh_from_db()
    assert (ours.status, ours.status_before_archive) == ("APPROVED", "")


def test_an_unknown_component_keeps_the_template_marked(business, sandbox_graph):
    at_meta(mt.CAROUSEL)
    report = pull(sandbox_graph)
    carousel = T.objects.get(name="autumn_carousel")
    assert carousel.body == "See our picks"
    assert carousel.sync_problems == ["component type 'CAROUSEL' is not supported"]
    assert carousel.meta_components == mt.CAROUSEL["components"]
    assert report.problems == ["autumn_carousel [en_US]: component type 'CAROUSEL' is not supported"]


def test_our_approved_templates_are_matched_by_name_and_get_metas_id(business, sandbox_graph):
    ours = T.objects.create(
        name="parcel_delayed", language="en_US", status=T.Status.APPROVED, body="Sorry {{1}}, late"
    )
    report = pull(sandbox_graph)  # the sandbox holds it as approved (created before sync existed)
    ours.refresh_from_db()
    assert (report.deleted, ours.status) == (0, "APPROVED")
    assert ours.whatsapp_template_id
    assert pull(sandbox_graph).unchanged == 1


def test_the_management_command_pulls(business, sandbox_graph, monkeypatch, capsys):
    from django.core.management import call_command

    at_meta(mt.ORDER_SHIPPED)
    monkeypatch.setattr(syncing, "_client_for", sandbox_graph)
    call_command("pull_templates")
    assert f"WABA {WABA_ID}: 1 new" in capsys.readouterr().out
    assert T.objects.filter(name="order_shipped").exists()


class TestSubmit:
    def template(self, **fields) -> MessageTemplate:
        defaults = {
            "name": "welcome_back",
            "language": "en_US",
            "status": T.Status.DRAFT,
            "body": "Welcome back, {{1}}! Your table is ready.",
            "category": "UTILITY",
        }
        template = T(**{**defaults, **fields})
        template.full_clean()
        return template

    def test_create_then_edit_then_delete(self, business, sandbox_graph):
        template = self.template()
        syncing.template_submit(template=template, client_for=sandbox_graph)
        template.save()
        at_meta_row = SandboxTemplate.objects.get(name="welcome_back")
        assert (template.whatsapp_template_id, template.status) == (at_meta_row.template_id, "PENDING")
        assert at_meta_row.components[0]["example"] == {"body_text": [["sample 1"]]}
        at_meta_row.status = "REJECTED"
        at_meta_row.save()
        template.body = "Welcome back, {{1}}! Your usual table is ready for you."
        syncing.template_submit(template=template, client_for=sandbox_graph)
        at_meta_row.refresh_from_db()
        assert at_meta_row.status == "PENDING"
        assert at_meta_row.components[0]["text"] == template.body
        template.save()
        syncing.template_delete_at_meta(template=template, client_for=sandbox_graph)
        at_meta_row.refresh_from_db()
        template.refresh_from_db()
        assert (at_meta_row.status, template.status) == ("DELETED", "DELETED")

    def test_an_image_header_is_submitted_with_its_sample_uploaded(self, business, sandbox_graph):
        # given a number with its Meta app id and a template whose image header has its file
        business.app_id = "300000000000777"
        business.save()
        template = self.template(
            kind="rich_media",
            header_type="image",
            header_media=SimpleUploadedFile("terrace.png", PNG, content_type="image/png"),
        )
        # when it is submitted
        syncing.template_submit(template=template, client_for=sandbox_graph)
        # then the file went through the resumable upload, and the header names its handle
        calls = list(GraphCall.objects.order_by("pk").values_list("method", "path", "response_status"))
        assert calls[0][1].startswith(f"/sandbox/graph/v23.0/{business.app_id}/uploads?file_name=terrace.png")
        assert calls[0][1].endswith(f"&file_length={len(PNG)}&file_type=image%2Fpng")
        assert calls[1][1].startswith("/sandbox/graph/v23.0/upload:") and calls[1][2] == 200
        header = SandboxTemplate.objects.get(name="welcome_back").components[0]
        assert header["format"] == "IMAGE"
        facts = handle_read(header["example"]["header_handle"][0])
        assert facts == {"type": "image/png", "length": len(PNG), "sha256": hashlib.sha256(PNG).hexdigest()}
        assert template.status == "PENDING"

    def test_a_media_header_needs_the_apps_id_and_a_sample_file(self, business, sandbox_graph):
        template = self.template(
            kind="rich_media",
            header_type="video",
            header_media=SimpleUploadedFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42"),
        )
        with pytest.raises(syncing.TemplateSubmitError) as refused:
            syncing.template_submit(template=template, client_for=sandbox_graph)
        assert list(refused.value.fields) == ["channel"]
        business.app_id = "300000000000777"
        business.save()
        template.channel = business
        template.header_media = SimpleUploadedFile("clip.mov", b"not an mp4")
        with pytest.raises(syncing.TemplateSubmitError) as refused:
            syncing.template_submit(template=template, client_for=sandbox_graph)
        assert refused.value.fields == {"header_media": ["attach the header's sample: a .mp4 file"]}
        assert not SandboxTemplate.objects.filter(name="welcome_back").exists()

    def test_a_named_template_is_submitted_with_named_examples(self, business, sandbox_graph):
        template = self.template(
            parameter_format="NAMED", body="Hi {{first_name}}, your order {{order_id}} shipped."
        )
        syncing.template_submit(template=template, client_for=sandbox_graph)
        body = SandboxTemplate.objects.get().components[0]
        assert [p["param_name"] for p in body["example"]["body_text_named_params"]] == [
            "first_name",
            "order_id",
        ]

    def test_metas_refusals_name_their_field(self, business, sandbox_graph):
        with pytest.raises(syncing.TemplateSubmitError) as raised:
            syncing.template_submit(template=self.template(footer="Code {{1}}"), client_for=sandbox_graph)
        assert list(raised.value.fields) == ["footer"]
        assert "2388073" in raised.value.fields["footer"][0]
        at_meta(mt.template_object("welcome_back", id="55"))
        with pytest.raises(syncing.TemplateSubmitError) as raised:
            syncing.template_submit(template=self.template(), client_for=sandbox_graph)
        assert list(raised.value.fields) == ["name"]
        assert "already exists" in raised.value.fields["name"][0]

    def test_an_approved_templates_category_is_not_resent(self, business, sandbox_graph):
        at_meta(
            mt.template_object(
                "welcome_back", id="56", components=[{"type": "BODY", "text": "Hi {{1}}, welcome back."}]
            )
        )
        pull(sandbox_graph)
        template = T.objects.get(name="welcome_back")
        template.body = "Hello {{1}}, welcome back to us."
        syncing.template_submit(template=template, client_for=sandbox_graph)
        edit = GraphCall.objects.filter(method="POST", path__endswith="/56").get()
        assert set(edit.request_body) == {"components"}
        assert edit.response_status == 200

    def test_a_disabled_template_cannot_be_deleted_and_says_so(self, business, sandbox_graph):
        at_meta(mt.template_object("old_offer", id="57", status="DISABLED"))
        pull(sandbox_graph)
        with pytest.raises(syncing.TemplateSubmitError, match="DISABLED template cannot be deleted"):
            syncing.template_delete_at_meta(
                template=T.objects.get(name="old_offer"), client_for=sandbox_graph
            )
        assert T.objects.get(name="old_offer").status == "DISABLED"


def test_the_beat_pulls_each_waba_when_due_only(business, sandbox_graph, monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    from templates_app.models import TemplatePull

    settings.WHATSAPP_TEMPLATE_PULL_SECONDS = 600
    monkeypatch.setattr(syncing, "_client_for", sandbox_graph)
    at_meta(mt.ORDER_SHIPPED)
    now = timezone.now()
    assert syncing.templates_pull_due(now=now) == 1  # never pulled: due
    assert syncing.templates_pull_due(now=now + timedelta(seconds=30)) == 0
    state = TemplatePull.objects.get(waba_id=WABA_ID)
    assert state.report.startswith("1 new")
    assert syncing.templates_pull_due(now=state.pull_due_at + timedelta(seconds=1)) == 1
    settings.WHATSAPP_TEMPLATE_PULL_SECONDS = 0  # off
    assert syncing.templates_pull_due(now=now + timedelta(days=1)) == 0


def test_the_demo_templates_survive_a_pull_from_the_sandbox_unchanged(sandbox_graph, settings):
    """The embedded beat pulls from the sandbox at once: the seeded templates (approved
    "at Meta" by adoption) come back as they were, only with Meta's ids."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=None)
    fields = ["kind", "status", "category", "header_type", "header_text", "body", "footer", "buttons"]
    before = {t.pk: [getattr(t, f) for f in fields] for t in T.objects.all()}
    waba = settings.WHATSAPP_WABA_ID
    report = syncing.templates_pull(client_for=sandbox_graph)[waba]
    assert (report.created, report.deleted, report.problems) == (0, 0, [])
    assert {t.pk: [getattr(t, f) for f in fields] for t in T.objects.all()} == before
    again = syncing.templates_pull(client_for=sandbox_graph)[waba]
    assert (again.updated, again.unchanged) == (0, report.updated + report.unchanged)
