from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_work_order_notifications_point_at_their_subject")]

    operations = [
        migrations.RemoveField(
            model_name='notification',
            name='work_order',
        ),
        migrations.RemoveField(
            model_name='outboxmessage',
            name='work_order',
        ),
    ]
