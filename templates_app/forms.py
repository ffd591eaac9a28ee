"""Admin forms of templates and standard responses: refuse, with the reason, what would fail
later (in the database, at WhatsApp, or when an agent uses it) instead of saving it."""

from __future__ import annotations

import json
import math
from typing import Any, BinaryIO, cast

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.media import (
    CheckedFile,
    MediaRejected,
    check_outbound_file,
    clean_file_name,
    human_size,
)
from conversations.media.images import image_converted_for_whatsapp
from conversations.options import ATTACHMENT_SIZE_MAX, get_option
from templates_app import syncing
from templates_app.composition import MEDIA_HEADERS, parameter_keys
from templates_app.models import MessageTemplate, StandardResponseAttachment
from templates_app.parameter_labels import label_problems

#: How deep buttons and sections JSON may nest (theirs is three levels; more is a paste error).
JSON_DEPTH_MAX = 10


def json_problem(value: Any, *, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored as JSON everywhere, or None.

    PostgreSQL's jsonb refuses ``\\u0000`` and ``NaN``/``Infinity``, and a lone surrogate
    (``\\ud800``) cannot be encoded as UTF-8 when the value is shown again: each would be
    a 500 after the admin said "saved".
    """
    if depth > JSON_DEPTH_MAX:
        return gettext("nested more than %(max)d levels deep") % {"max": JSON_DEPTH_MAX}
    if isinstance(value, float) and not math.isfinite(value):
        return gettext("NaN and Infinity are not numbers JSON can hold")
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(key) or json_problem(item, depth=depth + 1)
            if problem:
                return problem
    if isinstance(value, list):
        for item in value:
            problem = json_problem(item, depth=depth + 1)
            if problem:
                return problem
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return gettext("text may not contain the NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return gettext("text may not contain an unpaired surrogate (\\ud800-\\udfff)")
    return None


def vetted_upload(uploaded: UploadedFile) -> tuple[UploadedFile, CheckedFile]:
    """``uploaded`` checked by its content as an agent's file is when it is sent (M2).

    Content managers' files are sent by agents later: refusing them here, with the reason,
    beats a refusal in the middle of a conversation. An image WhatsApp refuses only for its
    colour encoding comes back converted (as an agent's upload would be), and the file is
    renamed so its extension matches its content. Raises ``forms.ValidationError``.
    """
    name = clean_file_name(uploaded.name or "")
    if (uploaded.size or 0) > ATTACHMENT_SIZE_MAX:  # not even read into memory
        raise forms.ValidationError(
            gettext("%(name)s is %(size)s; WhatsApp accepts files up to %(max)s")
            % {"name": name, "size": human_size(uploaded.size or 0), "max": human_size(ATTACHMENT_SIZE_MAX)}
        )
    # An UploadedFile is a binary file: Django's File proxies read, seek and tell.
    upload = cast(BinaryIO, uploaded)
    converted = image_converted_for_whatsapp(upload)  # read whole only to be converted
    allowed = [t.strip() for t in get_option("whatsappsession.attachment-allowed-types").split(",")]
    try:
        checked = check_outbound_file(
            data=upload if converted is None else converted,
            file_name=uploaded.name or "",
            max_size=get_option("whatsappsession.attachment-max-size"),
            allowed_types=[t for t in allowed if t] or None,
        )
    except MediaRejected as exc:
        raise forms.ValidationError(exc.message) from None
    if converted is None:
        uploaded.seek(0)
        uploaded.name = checked.upload_name
        return uploaded, checked
    return SimpleUploadedFile(checked.upload_name, converted, content_type=checked.mime_type), checked


_A_KIND = {"image": _("an image"), "video": _("a video"), "document": _("a document")}


class DisplayableJSONField(forms.JSONField):
    """A JSON field whose refused value can be shown again: Django writes it back with
    ``ensure_ascii=False``, and a lone surrogate in it then fails the whole page."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        text = super().prepare_value(value)
        if isinstance(text, str) and _text_problem(text):
            return json.dumps(value, cls=self.encoder)  # \u0000, \ud800 stay escapes
        return text


class MessageTemplateAdminForm(forms.ModelForm):
    """WhatsApp's rules come from ``MessageTemplate.clean``; this adds what is the admin's."""

    class Meta:
        model = MessageTemplate
        fields = (
            "kind",
            "name",
            "language",
            "category",
            "channel",
            "is_default_notification",
            "header_type",
            "header_text",
            "header_media",
            "body",
            "footer",
            "buttons",
            "list_button",
            "sections",
            "parameter_format",
            "parameter_labels",
        )
        field_classes = {
            "buttons": DisplayableJSONField,
            "sections": DisplayableJSONField,
            "parameter_labels": DisplayableJSONField,
        }

    #: G1: after our checks pass, send it to Meta for review; Meta's refusals become field errors.
    submit_to_meta = forms.BooleanField(
        required=False,
        label=_("Submit to Meta for review when saving"),
        help_text=_(
            "New: created at Meta; already at Meta: edited (it goes back to review). "
            "The status then follows Meta's webhooks."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "parameter_format" in self.fields:
            self.fields["parameter_format"].required = False  # not sent: positional, as before G1

    def clean_parameter_format(self) -> str:
        return self.cleaned_data.get("parameter_format") or MessageTemplate.ParameterFormat.POSITIONAL

    def _post_clean(self) -> None:
        """Our checks (the model's ``clean``) first; only a template that passes them is
        submitted, and what Meta refuses is shown on the field it is about."""
        # Django's hook after clean() (BaseModelForm._post_clean), absent from the stubs.
        super()._post_clean()  # type: ignore[misc]
        self.submitted = False
        if "parameter_labels" in self.fields and not {"parameter_labels", "body", "header_text"} & set(
            self.errors
        ):
            # U3: labels name parameters the template has (its text as it will be saved;
            # a text refused already says what is wrong with it first)
            for problem in label_problems(self.instance.parameter_labels, keys=parameter_keys(self.instance)):
                self.add_error("parameter_labels", problem)
        if self.errors or not self.cleaned_data.get("submit_to_meta"):
            return
        try:
            syncing.template_submit(template=self.instance)
        except syncing.TemplateSubmitError as exc:
            for name, messages in exc.fields.items():
                self.add_error(name if name in self.fields else None, messages)
            return
        self.submitted = True

    def _update_errors(self, errors: Any) -> None:
        """Keep the model's checks quiet about a field the form refused already: its value
        was not taken, so "a list has 1 to 10 sections" would describe the old one."""
        if hasattr(errors, "error_dict"):
            errors.error_dict = {
                name: messages
                for name, messages in errors.error_dict.items()
                if name not in self._errors  # type: ignore[attr-defined]  # Django's, not in the stubs
            }
            if not errors.error_dict:
                return
        super()._update_errors(errors)  # type: ignore[misc]  # ModelForm's hook, not in the stubs

    def clean_header_media(self) -> Any:
        media = self.cleaned_data.get("header_media")
        self._header_file: CheckedFile | None = None
        if isinstance(media, UploadedFile):  # a new file (an unchanged one was checked then)
            media, self._header_file = vetted_upload(media)
        return media

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns, never None here
        header_type, media = cleaned.get("header_type"), cleaned.get("header_media")
        checked = getattr(self, "_header_file", None)
        if header_type in MEDIA_HEADERS:
            if checked is not None and checked.kind != header_type:
                self.add_error(
                    "header_media",
                    gettext("%(header)s header needs %(kind)s; %(file)s is %(mime)s (%(actual)s)")
                    % {
                        "header": _A_KIND[header_type].capitalize(),
                        "kind": _A_KIND[header_type],
                        "file": checked.file_name,
                        "mime": checked.mime_type,
                        "actual": checked.kind,
                    },
                )
            elif (
                not media
                and cleaned.get("kind") == MessageTemplate.Kind.RICH_MEDIA
                and "header_media" not in self.errors
            ):
                self.add_error(
                    "header_media",
                    gettext(
                        "A rich media notification with %(kind)s header needs its file: "
                        "upload one (WhatsApp shows it above the text)"
                    )
                    % {"kind": _A_KIND[header_type]},
                )
        elif checked is not None and header_type:
            self.add_error(
                "header_media",
                gettext(
                    "A file is only sent with an image, video or document header: choose one, or leave "
                    "the file out"
                ),
            )
        return cleaned

    def _clean_json(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        problem = json_problem(value)
        if problem:
            raise forms.ValidationError(f"{name}: {problem}")
        return value

    # An emptied field is none of them (not NULL, which the column refuses).
    def clean_buttons(self) -> Any:
        value = self._clean_json("buttons")
        return [] if value is None else value

    def clean_sections(self) -> Any:
        value = self._clean_json("sections")
        return [] if value is None else value

    def clean_parameter_labels(self) -> object:
        value = self._clean_json("parameter_labels")
        return {} if value is None else value


class StandardResponseAttachmentForm(forms.ModelForm):
    """A response's file: checked by content; its type and size are read from it, never typed."""

    class Meta:
        model = StandardResponseAttachment
        fields = ("file", "file_name", "sort_order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file_name"].required = False
        self.fields["file_name"].help_text = gettext("Shown to the customer; empty: the file's own name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns, never None here
        upload = cleaned.get("file")
        if isinstance(upload, UploadedFile):
            try:
                upload, checked = vetted_upload(upload)
            except forms.ValidationError as exc:
                self.add_error("file", exc)
                return cleaned
            cleaned["file"] = upload
            self.instance.mime_type, self.instance.size = checked.mime_type, checked.size
        elif self.instance.pk:
            checked = CheckedFile(
                kind="", mime_type=self.instance.mime_type, size=self.instance.size, file_name=""
            )
        else:
            return cleaned  # no file: the field's own error says so
        # The name the customer sees keeps an extension that matches the content (else
        # WhatsApp refuses the upload, error 131053).
        typed = cleaned.get("file_name") or checked.file_name or self.instance.file_name
        shown = CheckedFile(
            kind=checked.kind,
            mime_type=checked.mime_type,
            size=checked.size,
            file_name=clean_file_name(typed, mime_type=checked.mime_type),
        )
        cleaned["file_name"] = shown.upload_name
        return cleaned
