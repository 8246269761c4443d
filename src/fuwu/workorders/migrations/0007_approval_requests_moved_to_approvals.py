"""Work-order approval requests live in the approvals engine's table now (approvals.Approval, copied
by approvals 0002): the old table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0006_number_sequence_moved_to_numbering"),
        ("approvals", "0002_copy_work_order_approvals"),
    ]

    operations = [
        migrations.DeleteModel(name="ApprovalRequest"),
    ]
