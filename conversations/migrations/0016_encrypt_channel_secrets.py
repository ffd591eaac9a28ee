"""X3: encrypt the channel secrets stored in plain text before 0015.

Loading a row reads a legacy plaintext value as it is (no ``fernet:`` prefix); saving it
encrypts with the first key of FIELD_ENCRYPTION_KEYS. Running it again re-encrypts
(harmless). Backwards: the values are written back in plain text.
"""

from django.db import migrations, models

FIELDS = ("access_token", "app_secret", "verify_token")


def encrypt(apps, schema_editor):
    Channel = apps.get_model("conversations", "Channel")
    for channel in Channel.objects.all():
        channel.save(update_fields=FIELDS)


def decrypt(apps, schema_editor):
    Channel = apps.get_model("conversations", "Channel")
    for channel in Channel.objects.all():
        Channel.objects.filter(pk=channel.pk).update(
            **{name: models.Value(getattr(channel, name), output_field=models.TextField()) for name in FIELDS}
        )


class Migration(migrations.Migration):
    dependencies = [("conversations", "0015_operations_data")]

    operations = [migrations.RunPython(encrypt, decrypt)]
