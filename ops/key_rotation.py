"""Rotation of encrypted fields (X3): the service behind ``rotate_encryption_keys``."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models.functions import Cast

from ops.crypto import decrypt, encrypt, encrypted_fields, needs_rotation

BATCH = 500


def rotate_all() -> dict[str, tuple[int, int]]:
    """Re-encrypt every value not encrypted with the first key; returns, per model and
    field, (values checked, values re-encrypted).

    Each value is swapped only if it is still the one read (compare and swap on the stored
    text), so an administrator saving a new secret meanwhile is never overwritten; values
    already under the first key are left alone, so running it again does nothing.
    """
    counts: dict[str, tuple[int, int]] = {}
    for model, names in encrypted_fields():
        for name in names:
            checked = rotated = 0
            raw = model._default_manager.annotate(_raw=Cast(name, models.TextField())).order_by("pk")
            last_pk = None
            while True:
                page = raw.filter(pk__gt=last_pk) if last_pk is not None else raw
                rows = list(page.values_list("pk", "_raw")[:BATCH])
                if not rows:
                    break
                last_pk = rows[-1][0]
                for pk, stored in rows:
                    checked += 1
                    if not needs_rotation(stored):
                        continue
                    fresh = encrypt(decrypt(stored))
                    with transaction.atomic():
                        rotated += raw.filter(pk=pk, _raw=stored).update(
                            **{name: models.Value(fresh, output_field=models.TextField())}
                        )
            counts[f"{model._meta.label}.{name}"] = (checked, rotated)
    return counts
