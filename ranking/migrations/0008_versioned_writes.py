# issue #15 item 5: a version on every row two people can change (config.versioning).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ranking", "0007_lost_point_notes")]

    operations = [
        migrations.AddField(
            model_name="unitfacts",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalunitfacts",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
