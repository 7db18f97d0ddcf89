"""Invitation codes for doctors: added without a unique index, filled row by row, then made
unique (a callable default would give every existing row the same value)."""

from django.db import migrations, models

import accounts.models


def fill_codes(apps, schema_editor):
    DoctorProfile = apps.get_model("accounts", "DoctorProfile")
    for profile in DoctorProfile.objects.all():
        profile.invitation_code = accounts.models.invitation_code_generate()
        profile.save(update_fields=["invitation_code"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="doctorprofile",
            name="invitation_code",
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="doctorprofile",
            name="invitation_code",
            field=models.CharField(
                default=accounts.models.invitation_code_generate,
                editable=False,
                max_length=16,
                unique=True,
            ),
        ),
    ]
