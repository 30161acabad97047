"""Issue #21: recount running working-day clocks from the day their receipt arrived.

The work is in `clocks.receipt_correction`, on this migration's historical models: each change
is an audit row appended to its owner's hash-chained trail. A database with no running
working-day clock, such as a fresh one, has nothing to do.
"""

import sys

from django.db import migrations


def count_receipt_on_the_day_it_arrived(apps, schema_editor):
    Deadline = apps.get_model("clocks", "Deadline")
    running = Deadline.objects.filter(
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
        extended_to__isnull=True,
        working_days=True,
    )
    if not running.exists():
        return 0
    from clocks.receipt_correction import correct_running_deadlines

    moved = correct_running_deadlines(apps)
    sys.stdout.write(
        f"\n  Issue #21: {moved} running deadline{'s' if moved != 1 else ''} moved "
        "(receipt counted on the day it arrived).\n"
    )
    return moved


class Migration(migrations.Migration):
    dependencies = [
        ("clocks", "0005_deadline_receipt_cutoff"),
        ("cases", "0007_variant_office_hours_cutoff"),
        ("info_requests", "0003_foi_decision_reminder"),
        ("contacts", "0004_person_key_unique_per_council"),
    ]

    operations = [
        migrations.RunPython(count_receipt_on_the_day_it_arrived, migrations.RunPython.noop),
    ]
