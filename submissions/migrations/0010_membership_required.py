import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0009_fill_period_membership")]
    operations = [
        migrations.AlterField(
            model_name="submission", name="block",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="submissions",
                                    to="submissions.block", verbose_name="Khối"),
        ),
    ]
