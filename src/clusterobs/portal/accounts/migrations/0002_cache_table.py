"""The cache table (``CACHES["default"]``) that holds sign-in rate-limit counters.

A database cache is shared by every gunicorn worker; ``createcachetable`` skips tables
that exist, so this is safe to run on a database that already has it.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
