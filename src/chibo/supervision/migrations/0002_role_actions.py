"""Give the built-in roles already in a database the actions of supervision and dialogue (new
databases get them from `accounts.roles.BUILTIN_ROLES` after migrate)."""

from django.db import migrations

ADDED = {
    "inspection_staff": ["letter.view", "letter.change", "letter.view_sender"],
    "party_cell_secretary": ["dialogue.view"],
    "organization_committee_staff": ["dialogue.view", "dialogue.change"],
    "committee_viewer": ["dialogue.view"],
}


def add_actions(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for key, actions in ADDED.items():
        role = Role.objects.filter(key=key).first()
        if role is None:
            continue
        role.actions = list(role.actions) + [a for a in actions if a not in role.actions]
        role.save(update_fields=["actions"])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("accounts", "0004_user_admin"),
    ]

    operations = [migrations.RunPython(add_actions, migrations.RunPython.noop)]
