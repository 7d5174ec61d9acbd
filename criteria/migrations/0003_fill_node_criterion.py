from django.db import migrations


def fill(apps, schema_editor):
    Node = apps.get_model("criteria", "Node")
    nodes = {n.id: n for n in Node.objects.all()}
    children = {}
    for node in nodes.values():
        children.setdefault(node.parent_id, []).append(node)
    for node in nodes.values():
        chain = []
        current = node
        while current is not None:
            chain.append(current)
            current = nodes.get(current.parent_id)
        for candidate in reversed(chain):
            if candidate.kind == "criterion" or (candidate.kind == "section" and not children.get(candidate.id)):
                Node.objects.filter(pk=node.pk).update(criterion_id=candidate.pk)
                break


class Migration(migrations.Migration):
    dependencies = [("criteria", "0002_node_criterion")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
