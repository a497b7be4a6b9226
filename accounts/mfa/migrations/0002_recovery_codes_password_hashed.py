"""Recovery codes: a public index per code and a password hash of its secret part.

Codes stored before (SHA-256 digests of codes without an index) cannot be carried over
into a password hash without the codes themselves, and keeping them would keep the weak
digests: they are deleted. Users with MFA on keep their authenticator and make new codes
(POST /api/auth/mfa/recovery-codes/); docs/mfa.md says so.
"""

from django.db import migrations, models


def delete_old_codes(apps, schema_editor):
    apps.get_model("mfa", "RecoveryCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("mfa", "0001_initial")]

    operations = [
        migrations.RunPython(delete_old_codes, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="recoverycode", name="mfa_recovery_code_unique"),
        migrations.AddField(
            model_name="recoverycode",
            name="lookup",
            field=models.CharField(default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="recoverycode",
            name="digest",
            field=models.CharField(max_length=255),
        ),
        migrations.AddConstraint(
            model_name="recoverycode",
            constraint=models.UniqueConstraint(
                fields=("user", "lookup"), name="mfa_recovery_code_lookup"
            ),
        ),
    ]
