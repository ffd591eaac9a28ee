from __future__ import annotations

import unicodedata
from typing import Literal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    """A customer, known by ``wa_id`` and/or the business-scoped ``user_id`` (BSUID).

    ``profile_name`` is what the customer calls themselves on WhatsApp (free text they
    control, never identity); ``name`` comes from our contact database and is what the
    console shows when set.
    """

    wa_id = models.CharField(_("WhatsApp id"), max_length=32, null=True, blank=True, unique=True)
    user_id = models.CharField(
        _("business-scoped user id"), max_length=160, null=True, blank=True, unique=True
    )
    parent_user_id = models.CharField(max_length=160, blank=True)
    username = models.CharField(max_length=100, blank=True)
    profile_name = models.CharField(max_length=256, blank=True)
    name = models.CharField(max_length=256, blank=True, help_text=_("From the contact database"))
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases",
        help_text=_("Merged into this contact (R8): its numbers now reach that contact"),
    )
    identifiers = models.JSONField(
        default=dict, blank=True, help_text=_("Other identifiers (CRM ids, previous numbers, …)")
    )
    #: G3: the customer's last choice about marketing messages from this business
    #: (WhatsApp's ``user_preferences``): "stop" refuses MARKETING templates before they
    #: reach Meta; "resume" (or never chosen: "") allows them. With the time WhatsApp gave.
    marketing_preference = models.CharField(
        max_length=8, blank=True, choices=[("stop", "Stopped marketing"), ("resume", "Resumed marketing")]
    )
    marketing_preference_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: X4: when the contact's data was erased (the rows stay, with placeholders).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [
            # P6: every contact's details and contact history (O3's directory, R8's search).
            ("browse_contact_directory", "Can browse the contact directory"),
            # X4: a customer's right to erasure and to a copy of their data.
            ("erase_contact_data", "Can erase contact data"),
            ("export_contact_data", "Can export contact data"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wa_id__isnull=False) | models.Q(user_id__isnull=False),
                name="contact_has_whatsapp_identity",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def nickname(self) -> str:
        """Default nickname when the contact database has no name for the customer."""
        return nickname_of(self.wa_id, self.user_id, self.pk)

    @property
    def display_name(self) -> str:
        """U2: the name every screen shows for this customer (see ``shown_name``)."""
        return self.shown_name[0]

    @property
    def name_source(self) -> NameSource:
        """Where ``display_name`` comes from: "crm", "profile", "username", "number", "nickname"."""
        return self.shown_name[1]

    @property
    def shown_name(self) -> tuple[str, NameSource]:
        return shown_name(
            name=self.name,
            profile_name=self.profile_name,
            username=self.username,
            wa_id=self.wa_id,
            user_id=self.user_id,
            pk=self.pk,
        )


#: Where a contact's shown name comes from (U2), in the order it is chosen.
NameSource = Literal["crm", "profile", "username", "number", "nickname"]


def nickname_of(wa_id: str | None, user_id: str | None, pk: int | None) -> str:
    """W1's nickname, "Customer …1234": the last characters of the customer's key."""
    return f"Customer …{tail_of(wa_id, user_id, pk)}"


def tail_of(wa_id: str | None, user_id: str | None, pk: int | None) -> str:
    """The last four characters of the number (else the BSUID, else the row id)."""
    return (wa_id or user_id or str(pk))[-4:]


def shown_name(
    *,
    name: str,
    profile_name: str,
    username: str,
    wa_id: str | None,
    user_id: str | None,
    pk: int | None,
) -> tuple[str, NameSource]:
    """U2: the one rule that names a customer on every screen, and where the name came from.

    The contact database's name (the business chose it); else the WhatsApp profile name
    with the number's last four digits ("Maria …0002": profile names are free text that
    many customers share, so the digits always tell two Marias apart, whether or not both
    are open); else the WhatsApp username ("@maria.s", unique on WhatsApp); else the number
    ("+4915112340002"); else, when the number is hidden (a BSUID only) or erased, the
    nickname "Customer …1234". Selectors that read rows as values (the board) call this
    with the columns so that they name customers exactly as the payloads do.
    """
    if name.strip():
        return name.strip(), "crm"
    profile = _plain(profile_name)
    if profile:
        return f"{profile} …{tail_of(wa_id, user_id, pk)}", "profile"
    if username:
        return f"@{username}", "username"
    if wa_id and wa_id.isascii() and wa_id.isdigit():
        return f"+{wa_id}", "number"
    return nickname_of(wa_id, user_id, pk), "nickname"


def _plain(text: str) -> str:
    """Free text on one line: no control or format characters (a U+202E in a profile name
    must not turn the digits after it around; ZWNJ / ZWJ stay, scripts and emoji need them)."""
    kept = (
        ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cs") or ch.isspace()
        if unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d"
    )
    return " ".join("".join(kept).split())
