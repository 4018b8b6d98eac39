"""The badge signing keys and the check-ins move to the gate app, rows and all.

Their tables are renamed (registrations_signingkey -> gate_signingkey,
registrations_checkin -> gate_checkin): one ALTER TABLE ... RENAME TO each, the same on
SQLite and PostgreSQL, no row copied, and no other table has a foreign key to them.
The models leave registrations' state here; `gate.0001_initial` declares them again,
state only, over the renamed tables, and moves their content types (hence the
permissions given to groups, such as "add check in"). The reverse renames them back.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("registrations", "0005_delete_outboxmessage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="signingkey", table="gate_signingkey"),
                migrations.AlterModelTable(name="checkin", table="gate_checkin"),
            ],
            state_operations=[
                migrations.DeleteModel(name="SigningKey"),
                migrations.DeleteModel(name="CheckIn"),
            ],
        ),
    ]
