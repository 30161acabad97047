"""Issue #21: undecided requests logged before the FOI-decision reminder existed get one.

Only where an FOI reply would still be due: a request whose would-be FOI date has passed gets
no reminder (it would come too late to help). The moments come from the pure calendar.
"""

import datetime

from django.db import migrations

UNDECIDED = ("received", "determining", "refused", "disputed")


def fill(apps, schema_editor):
    InfoRequest = apps.get_model("info_requests", "InfoRequest")
    rows = InfoRequest.objects.filter(state__in=UNDECIDED, foi_reminder_at__isnull=True)
    if not rows.exists():
        return
    from clocks import calendar as cal

    all_uk = cal.calendar_for(cal.ALL_UK)
    now = datetime.datetime.now(datetime.UTC)
    for row in rows.only("pk", "received_at"):
        due = cal.due_at(row.received_at, length=20, working_days=True, calendar=all_uk)
        if due < now:
            continue
        day = cal.working_days_after(cal.receipt_date(row.received_at, all_uk), 10, all_uk)
        InfoRequest.objects.filter(pk=row.pk).update(foi_reminder_at=cal.start_of_day(day))


class Migration(migrations.Migration):
    dependencies = [("info_requests", "0003_foi_decision_reminder")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
