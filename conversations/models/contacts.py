from __future__ import annotations

from django.db import models


class Contact(models.Model):
    """A customer, known by ``wa_id`` and/or the business-scoped ``user_id`` (BSUID).

    ``profile_name`` is what the customer calls themselves on WhatsApp (free text they
    control, never identity); ``name`` comes from our contact database and is what the
    console shows when set.
    """

    wa_id = models.CharField("WhatsApp id", max_length=32, null=True, blank=True, unique=True)
    user_id = models.CharField("business-scoped user id", max_length=160, null=True, blank=True, unique=True)
    parent_user_id = models.CharField(max_length=160, blank=True)
    username = models.CharField(max_length=100, blank=True)
    profile_name = models.CharField(max_length=256, blank=True)
    name = models.CharField(max_length=256, blank=True, help_text="From the contact database")
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases",
        help_text="Merged into this contact (R8): its numbers now reach that contact",
    )
    identifiers = models.JSONField(
        default=dict, blank=True, help_text="Other identifiers (CRM ids, previous numbers, …)"
    )
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
        key = self.wa_id or self.user_id or str(self.pk)
        return f"Customer …{key[-4:]}"

    @property
    def display_name(self) -> str:
        return self.name or self.nickname
