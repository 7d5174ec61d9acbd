"""Every existing period gets its membership from the organisation as it stood: each submission records
the block its unit sat in, each period block the quota its block had. Nothing else changes (the published
snapshots are not touched; tests/migration/test_period_membership_migration.py checks them byte for byte)."""

from django.db import migrations


def fill(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    PeriodBlock = apps.get_model("submissions", "PeriodBlock")
    Unit = apps.get_model("submissions", "Unit")
    block_of = dict(Unit.objects.values_list("pk", "block_id"))
    for submission in Submission.objects.filter(block__isnull=True).only("pk", "unit_id"):
        Submission.objects.filter(pk=submission.pk).update(block_id=block_of[submission.unit_id])
    for period_block in PeriodBlock.objects.select_related("block"):
        period_block.excellent_quota = period_block.block.excellent_quota
        period_block.save(update_fields=["excellent_quota"])


class Migration(migrations.Migration):
    dependencies = [("submissions", "0008_period_membership")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
