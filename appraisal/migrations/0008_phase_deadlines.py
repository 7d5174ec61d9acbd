# Issue #13 item 5 (seed 004): the reminders of a block's appraisal and leaders' deadlines, once per deadline,
# recipient and kind (appraisal.deadline_models.DeadlineReminder).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0007_versioned_writes"),
        ("submissions", "0014_phase_deadlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeadlineReminder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "phase",
                    models.CharField(
                        choices=[("appraisal", "Hạn thẩm định"), ("leader", "Hạn phiếu đánh giá của Lãnh đạo")],
                        max_length=12,
                        verbose_name="Hạn",
                    ),
                ),
                ("deadline", models.DateTimeField(verbose_name="Thời hạn")),
                ("kind", models.CharField(max_length=8, verbose_name="Nhắc trước")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="Gửi lúc")),
                (
                    "block",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="submissions.block"
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="submissions.period"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "Nhắc hạn thẩm định, phiếu Lãnh đạo",
                "verbose_name_plural": "Nhắc hạn thẩm định, phiếu Lãnh đạo",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("period", "block", "user", "phase", "deadline", "kind"), name="deadline_reminder_once"
                    )
                ],
            },
        ),
    ]
