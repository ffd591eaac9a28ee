"""S3: which customer messages the reports have counted. The messages stored before this
migration count as counted: the reports begin with it (no backfill of the history)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0018_message_body_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='tallied',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='message',
            name='tallied',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('direction', 'in'), ('tallied', False)), fields=['id'], name='message_untallied_idx'),
        ),
    ]
