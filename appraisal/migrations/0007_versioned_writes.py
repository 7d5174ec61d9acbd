# issue #15 item 5: a version on every row two people can change (config.versioning).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0006_paper_dossiers")]

    operations = [
        migrations.AddField(
            model_name="qualitylevel",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalqualitylevel",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="papertally",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalpapertally",
            name="version",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
