# issue #15 item 5: a version on every row two people can change (config.versioning).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0012_departments")]

    operations = [
        migrations.AddField(
            model_name="selfreport",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalselfreport",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
