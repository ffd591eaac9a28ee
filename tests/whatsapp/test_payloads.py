"""P2: every send body is the documented Cloud API shape, and WhatsApp's limits fail early."""

from __future__ import annotations

import re

import pytest

from whatsapp import payloads

BSUID = "US.13491208655302741918"
WAMID = "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"


class TestRecipient:
    @pytest.mark.parametrize(
        "given, expected",
        [
            ("16505551234", {"to": "+16505551234"}),
            ("+16505551234", {"to": "+16505551234"}),
            ("+1 (650) 555-1234", {"to": "+16505551234"}),
            (" 972123456789 ", {"to": "+972123456789"}),
            (BSUID, {"recipient": BSUID}),
            ("US.ENT.11815799212886844830", {"recipient": "US.ENT.11815799212886844830"}),
        ],
    )
    def test_phone_numbers_get_a_plus_and_bsuids_use_recipient(self, given, expected):
        assert payloads.recipient(given) == expected

    @pytest.mark.parametrize("given", ["", "   ", "hello", "+", "US", "US.", "1650-abc", "++1650"])
    def test_other_values_are_rejected(self, given):
        with pytest.raises(ValueError, match="neither a phone number nor a business-scoped user id"):
            payloads.recipient(given)

    def test_bsuid_recipient_in_a_full_message(self):
        assert payloads.text(BSUID, "Hi") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": BSUID,
            "type": "text",
            "text": {"body": "Hi"},
        }


class TestText:
    def test_plain(self):
        assert payloads.text("16505551234", "Hello there") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": "text",
            "text": {"body": "Hello there"},
        }

    def test_preview_url_and_reply(self):
        body = payloads.text("+16505551234", "See https://example.com", preview_url=True, reply_to=WAMID)
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "context": {"message_id": WAMID},
            "type": "text",
            "text": {"body": "See https://example.com", "preview_url": True},
        }

    def test_body_of_exactly_4096_characters_is_allowed(self):
        assert payloads.text("1", "x" * 4096)["text"]["body"] == "x" * 4096

    @pytest.mark.parametrize(
        "body, message",
        [
            ("", "text body must not be empty"),
            ("  \n", "text body must not be empty"),
            ("x" * 4097, "text body is 4097 characters; WhatsApp allows at most 4096"),
        ],
    )
    def test_body_limits(self, body, message):
        with pytest.raises(ValueError, match=message):
            payloads.text("1", body)


class TestMedia:
    @pytest.mark.parametrize("kind", ["image", "video", "audio", "document", "sticker"])
    def test_by_id(self, kind):
        assert payloads.media("16505551234", kind, media_id="1013859600285441") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": kind,
            kind: {"id": "1013859600285441"},
        }

    def test_image_by_link_with_caption_as_reply(self):
        body = payloads.media(
            "16505551234", "image", link="https://example.com/a.jpg", caption="Look", reply_to=WAMID
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "context": {"message_id": WAMID},
            "type": "image",
            "image": {"link": "https://example.com/a.jpg", "caption": "Look"},
        }

    def test_document_with_caption_and_filename(self):
        body = payloads.media(BSUID, "document", media_id="42", caption="Invoice", filename="invoice.pdf")
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": BSUID,
            "type": "document",
            "document": {"id": "42", "caption": "Invoice", "filename": "invoice.pdf"},
        }

    def test_video_caption(self):
        body = payloads.media("1", "video", media_id="7", caption="clip")
        assert body["video"] == {"id": "7", "caption": "clip"}

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({}, "pass exactly one of media_id or link"),
            ({"media_id": "1", "link": "https://x"}, "pass exactly one of media_id or link"),
            (
                {"media_id": "1", "caption": "x" * 1025},
                "caption is 1025 characters; WhatsApp allows at most 1024",
            ),
        ],
    )
    def test_invalid_image(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            payloads.media("1", "image", **kwargs)

    def test_caption_of_1024_characters_is_allowed(self):
        assert (
            payloads.media("1", "image", media_id="1", caption="c" * 1024)["image"]["caption"] == "c" * 1024
        )

    @pytest.mark.parametrize("kind", ["audio", "sticker"])
    def test_caption_only_on_image_video_document(self, kind):
        with pytest.raises(ValueError, match=f"{kind} messages cannot have a caption"):
            payloads.media("1", kind, media_id="1", caption="hi")

    @pytest.mark.parametrize("kind", ["image", "video", "audio", "sticker"])
    def test_filename_only_on_document(self, kind):
        with pytest.raises(ValueError, match=f"{kind} messages cannot have a filename"):
            payloads.media("1", kind, media_id="1", filename="a.bin")

    def test_unknown_kind(self):
        with pytest.raises(ValueError, match="media kind 'gif' is not one of image, video"):
            payloads.media("1", "gif", media_id="1")


class TestLocation:
    def test_full(self):
        body = payloads.location(
            "16505551234",
            latitude="37.44216251868683",
            longitude="-122.16153582049394",
            name="Philz Coffee",
            address="101 Forest Ave, Palo Alto, CA 94301",
            reply_to=WAMID,
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "context": {"message_id": WAMID},
            "type": "location",
            "location": {
                "latitude": "37.44216251868683",
                "longitude": "-122.16153582049394",
                "name": "Philz Coffee",
                "address": "101 Forest Ave, Palo Alto, CA 94301",
            },
        }

    def test_coordinates_only(self):
        assert payloads.location("1", latitude=32.08, longitude=34.78) == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+1",
            "type": "location",
            "location": {"latitude": 32.08, "longitude": 34.78},
        }

    @pytest.mark.parametrize(
        "latitude, longitude, message",
        [
            (91, 0, "latitude 91 is outside -90..90"),
            (0, -180.5, "longitude -180.5 is outside -180..180"),
            ("north", 0, "latitude 'north' is not a number"),
        ],
    )
    def test_coordinates_are_checked(self, latitude, longitude, message):
        with pytest.raises(ValueError, match=message):
            payloads.location("1", latitude=latitude, longitude=longitude)


class TestReaction:
    def test_react(self):
        assert payloads.reaction("16505551234", message_id=WAMID, emoji="👍") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": "reaction",
            "reaction": {"message_id": WAMID, "emoji": "👍"},
        }

    def test_empty_emoji_removes_the_reaction(self):
        assert payloads.reaction(BSUID, message_id=WAMID, emoji="") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": BSUID,
            "type": "reaction",
            "reaction": {"message_id": WAMID, "emoji": ""},
        }

    def test_never_has_context(self):
        with pytest.raises(TypeError):
            payloads.reaction("1", message_id=WAMID, emoji="👍", reply_to=WAMID)

    def test_needs_message_id(self):
        with pytest.raises(ValueError, match="reaction needs the message_id"):
            payloads.reaction("1", message_id="", emoji="👍")

    @pytest.mark.parametrize("emoji", ["👍", "❤️", "❤", "😂", "🙏", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇩🇪", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"])
    def test_one_emoji_is_one_grapheme_of_pictographs(self, emoji):
        assert payloads.is_one_emoji(emoji)
        assert payloads.reaction("1", message_id=WAMID, emoji=emoji)["reaction"]["emoji"] == emoji

    @pytest.mark.parametrize(
        "emoji", ["ok", "1", "é", "👍👍", "👍 ", " 👍", "🇩", "🇩🇪🇩🇪", "👍\u200d", "\u200d", "👍\ufe0f\ufe0f"]
    )
    def test_anything_else_is_refused(self, emoji):
        assert not payloads.is_one_emoji(emoji)
        with pytest.raises(ValueError, match="one emoji"):
            payloads.reaction("1", message_id=WAMID, emoji=emoji)


class TestTemplate:
    def test_without_components(self):
        assert payloads.template("16505551234", name="hello_world", language="en_US") == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}},
        }

    def test_with_components_and_reply(self):
        components = [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}]},
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "CONFIRM_123"}],
            },
        ]
        body = payloads.template(
            "16505551234", name="order_update", language="en_US", components=components, reply_to=WAMID
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "context": {"message_id": WAMID},
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "header",
                        "parameters": [{"type": "image", "image": {"link": "https://x/y.png"}}],
                    },
                    {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}]},
                    {
                        "type": "button",
                        "sub_type": "quick_reply",
                        "index": "0",
                        "parameters": [{"type": "payload", "payload": "CONFIRM_123"}],
                    },
                ],
            },
        }

    @pytest.mark.parametrize(
        "name, language, message",
        [("", "en_US", "template name must not be empty"), ("x", "", "template language code")],
    )
    def test_name_and_language_required(self, name, language, message):
        with pytest.raises(ValueError, match=message):
            payloads.template("1", name=name, language=language)


class TestReplyButtons:
    def test_minimal(self):
        body = payloads.reply_buttons("16505551234", body="Pick one", buttons=[("yes", "Yes"), ("no", "No")])
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Pick one"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                        {"type": "reply", "reply": {"id": "no", "title": "No"}},
                    ]
                },
            },
        }

    def test_with_text_header_footer_and_reply(self):
        body = payloads.reply_buttons(
            BSUID,
            body="Change the appointment?",
            buttons=[("change-button", "Change"), ("cancel-button", "Cancel"), ("keep", "Keep it")],
            header={"type": "text", "text": "Appointment"},
            footer="Lucky Shrub",
            reply_to=WAMID,
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": BSUID,
            "context": {"message_id": WAMID},
            "type": "interactive",
            "interactive": {
                "type": "button",
                "header": {"type": "text", "text": "Appointment"},
                "body": {"text": "Change the appointment?"},
                "footer": {"text": "Lucky Shrub"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "change-button", "title": "Change"}},
                        {"type": "reply", "reply": {"id": "cancel-button", "title": "Cancel"}},
                        {"type": "reply", "reply": {"id": "keep", "title": "Keep it"}},
                    ]
                },
            },
        }

    def test_image_header_is_passed_through(self):
        header = {"type": "image", "image": {"id": "2762702990552401"}}
        body = payloads.reply_buttons("1", body="b", buttons=[("a", "A")], header=header)
        assert body["interactive"]["header"] == {"type": "image", "image": {"id": "2762702990552401"}}

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"buttons": []}, "got 0 buttons; WhatsApp allows 1 to 3"),
            (
                {"buttons": [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]},
                "got 4 buttons; WhatsApp allows 1 to 3",
            ),
            ({"buttons": [("a", "x" * 21)]}, "is 21 characters; WhatsApp allows at most 20"),
            ({"buttons": [("a", "")]}, "reply button title '' must not be empty"),
            ({"buttons": [("a", "Same"), ("b", "Same")]}, "titles must be unique; 'Same' is repeated"),
            ({"buttons": [("a", "One"), ("a", "Two")]}, "ids must be unique; 'a' is repeated"),
            (
                {"buttons": [("i" * 257, "A")]},
                "reply button id is 257 characters; WhatsApp allows at most 256",
            ),
            ({"body": ""}, "reply-buttons body must not be empty"),
            ({"body": "b" * 1025}, "reply-buttons body is 1025 characters; WhatsApp allows at most 1024"),
            ({"footer": "f" * 61}, "footer is 61 characters; WhatsApp allows at most 60"),
            (
                {"header": {"type": "text", "text": "h" * 61}},
                "text header is 61 characters; WhatsApp allows at most 60",
            ),
            ({"header": {"type": "location"}}, "button header type 'location' is not one of text, image"),
            ({"header": {"type": "image", "image": {}}}, 'image header needs "image"'),
        ],
    )
    def test_limits(self, kwargs, message):
        arguments = {"body": "Pick", "buttons": [("a", "A")], **kwargs}
        with pytest.raises(ValueError, match=re.escape(message)):
            payloads.reply_buttons("1", **arguments)

    def test_limits_are_inclusive(self):
        body = payloads.reply_buttons(
            "1",
            body="b" * 1024,
            buttons=[("i" * 256, "t" * 20)],
            header={"type": "text", "text": "h" * 60},
            footer="f" * 60,
        )
        assert body["interactive"]["action"]["buttons"][0]["reply"] == {"id": "i" * 256, "title": "t" * 20}


class TestListMessage:
    def test_full(self):
        body = payloads.list_message(
            "16505551234",
            header={"type": "text", "text": "Choose Shipping Option"},
            body="Which shipping option do you prefer?",
            footer="Lucky Shrub",
            button="Shipping Options",
            sections=[
                {
                    "title": "I want it ASAP!",
                    "rows": [
                        {
                            "id": "priority_express",
                            "title": "Priority Mail Express",
                            "description": "Next Day",
                        },
                        {"id": "priority_mail", "title": "Priority Mail", "description": "1–3 Days"},
                    ],
                },
                {"title": "I can wait a bit", "rows": [{"id": "ground", "title": "USPS Ground"}]},
            ],
            reply_to=WAMID,
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "context": {"message_id": WAMID},
            "type": "interactive",
            "interactive": {
                "type": "list",
                "header": {"type": "text", "text": "Choose Shipping Option"},
                "body": {"text": "Which shipping option do you prefer?"},
                "footer": {"text": "Lucky Shrub"},
                "action": {
                    "button": "Shipping Options",
                    "sections": [
                        {
                            "title": "I want it ASAP!",
                            "rows": [
                                {
                                    "id": "priority_express",
                                    "title": "Priority Mail Express",
                                    "description": "Next Day",
                                },
                                {"id": "priority_mail", "title": "Priority Mail", "description": "1–3 Days"},
                            ],
                        },
                        {"title": "I can wait a bit", "rows": [{"id": "ground", "title": "USPS Ground"}]},
                    ],
                },
            },
        }

    def test_single_untitled_section(self):
        body = payloads.list_message(
            BSUID, body="Pick", button="Menu", sections=[{"rows": [{"id": "1", "title": "One"}]}]
        )
        assert body == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": BSUID,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Pick"},
                "action": {"button": "Menu", "sections": [{"rows": [{"id": "1", "title": "One"}]}]},
            },
        }

    def test_ten_rows_across_sections_and_long_body_are_allowed(self):
        sections = [
            {"title": f"S{s}", "rows": [{"id": f"{s}-{r}", "title": f"Row {r}"} for r in range(5)]}
            for s in range(2)
        ]
        body = payloads.list_message("1", body="b" * 4096, button="b" * 20, sections=sections)
        assert sum(len(s["rows"]) for s in body["interactive"]["action"]["sections"]) == 10

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"button": "b" * 21}, "list button label is 21 characters; WhatsApp allows at most 20"),
            ({"button": ""}, "list button label must not be empty"),
            ({"body": "b" * 4097}, "list body is 4097 characters; WhatsApp allows at most 4096"),
            ({"footer": "f" * 61}, "footer is 61 characters; WhatsApp allows at most 60"),
            ({"sections": []}, "got 0 sections; WhatsApp allows 1 to 10"),
            (
                {"sections": [{"title": f"S{i}", "rows": [{"id": str(i), "title": "r"}]} for i in range(11)]},
                "got 11 sections; WhatsApp allows 1 to 10",
            ),
            (
                {"sections": [{"rows": [{"id": str(i), "title": "r"} for i in range(11)]}]},
                "got 11 rows in total; WhatsApp allows at most 10",
            ),
            (
                {
                    "sections": [
                        {"title": "A", "rows": [{"id": f"a{i}", "title": "r"} for i in range(6)]},
                        {"title": "B", "rows": [{"id": f"b{i}", "title": "r"} for i in range(5)]},
                    ]
                },
                "got 11 rows in total; WhatsApp allows at most 10",
            ),
            (
                {"sections": [{"rows": [{"id": "1", "title": "t" * 25}]}]},
                "is 25 characters; WhatsApp allows at most 24",
            ),
            (
                {"sections": [{"rows": [{"id": "1", "title": "t", "description": "d" * 73}]}]},
                "list row description of 't' is 73 characters; WhatsApp allows at most 72",
            ),
            (
                {"sections": [{"rows": [{"id": "i" * 201, "title": "t"}]}]},
                "list row id is 201 characters; WhatsApp allows at most 200",
            ),
            ({"sections": [{"rows": [{"id": "", "title": "t"}]}]}, "list row id must not be empty"),
            (
                {"sections": [{"title": "s" * 25, "rows": [{"id": "1", "title": "t"}]}]},
                "is 25 characters; WhatsApp allows at most 24",
            ),
            ({"sections": [{"title": "Empty", "rows": []}]}, "list section 1 has no rows"),
            (
                {"sections": [{"rows": [{"id": "1", "title": "t"}]}, {"rows": [{"id": "2", "title": "u"}]}]},
                "list section 1 needs a title when there are several sections",
            ),
            (
                {"sections": [{"rows": [{"id": "1", "title": "t"}, {"id": "1", "title": "u"}]}]},
                "list row ids must be unique; '1' is repeated",
            ),
            (
                {"header": {"type": "image", "image": {"id": "1"}}},
                "list header type 'image' is not one of text",
            ),
            (
                {"header": {"type": "text", "text": "h" * 61}},
                "text header is 61 characters; WhatsApp allows at most 60",
            ),
        ],
    )
    def test_limits(self, kwargs, message):
        arguments = {
            "body": "Pick",
            "button": "Menu",
            "sections": [{"title": "S", "rows": [{"id": "1", "title": "One"}]}],
            **kwargs,
        }
        with pytest.raises(ValueError, match=re.escape(message)):
            payloads.list_message("1", **arguments)


class TestMarkRead:
    def test_read(self):
        assert payloads.mark_read(WAMID) == {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": WAMID,
        }

    def test_read_with_typing_indicator(self):
        assert payloads.mark_read(WAMID, typing_indicator=True) == {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": WAMID,
            "typing_indicator": {"type": "text"},
        }

    def test_needs_message_id(self):
        with pytest.raises(ValueError, match="mark_read needs the inbound message_id"):
            payloads.mark_read("")
