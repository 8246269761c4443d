# Written by hand on 2026-12-01: the counters moved to fuwu.numbering (copied by numbering 0001)

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workorders', '0005_deferral_warranty_finding_report_photos'),
        ('numbering', '0001_sequence'),
    ]

    operations = [
        migrations.DeleteModel(
            name='NumberSequence',
        ),
    ]
