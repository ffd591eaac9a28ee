"""Write each translated app's ``derived_labels.py`` (U4, waproject/i18n.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from waproject.i18n import TRANSLATED_APPS, derived_labels_path, derived_labels_source


class Command(BaseCommand):
    help = (
        "List the labels Django derives from model and field names in each translated app's "
        "derived_labels.py, for makemessages; run it after adding a model or a field, then "
        "makemessages in the app."
    )

    def handle(self, *args: object, **options: object) -> None:
        for app_label in TRANSLATED_APPS:
            path = derived_labels_path(app_label)
            source = derived_labels_source(app_label)
            if not path.exists() or path.read_text() != source:
                path.write_text(source)
                self.stdout.write(f"{path}: written")
        self.stdout.write("done")
