"""Group codes belong to the framework (issue #12, item 4): ``Framework.results_group`` names the content group
that Điều 7 treats as "kết quả thực hiện nhiệm vụ được giao". Until now the code was hard-wired as "ND2": every
existing framework with a top-level group coded ND2 keeps that reading; any other framework (a PAR index with its
own group codes) has none, which a rank-only period does not need."""

from django.db import migrations, models


def name_nd2(apps, schema_editor):
    Framework = apps.get_model("criteria", "Framework")
    Node = apps.get_model("criteria", "Node")
    ids = Node.objects.filter(parent__isnull=True, code="ND2").values_list("framework_id", flat=True)
    Framework.objects.filter(pk__in=list(ids)).update(results_group="ND2")


class Migration(migrations.Migration):

    dependencies = [
        ('criteria', '0004_unit_level'),
    ]

    operations = [
        migrations.AddField(
            model_name='framework',
            name='results_group',
            field=models.CharField(blank=True, help_text='Mã nội dung (cấp cao nhất) mà Điều 7 coi là “kết quả thực hiện nhiệm vụ được giao” (ND2 của Quy chế 2610); để trống khi bộ tiêu chí chỉ dùng để xếp hạng (Chỉ số CCHC).', max_length=8, verbose_name='Nhóm kết quả thực hiện nhiệm vụ'),
        ),
        migrations.AlterField(
            model_name='node',
            name='group',
            field=models.CharField(help_text='Mã nội dung (nút cấp cao nhất) chứa nút này.', max_length=8, verbose_name='Nội dung'),
        ),
        migrations.RunPython(name_nd2, migrations.RunPython.noop),
    ]
