"""A parish or town council is its own public authority under FOIA (Schedule 1, Part II): its
FOI internal review is the parish's own (the Clerk), never the lending council's Monitoring
Officer. Existing parish policies that named the Monitoring Officer are moved to the Clerk."""

from django.db import migrations

BORROWED = ("monitoring_officer", "deputy_monitoring_officer")


def parish_reviews_its_own(apps, schema_editor):
    InformationPolicy = apps.get_model("info_requests", "InformationPolicy")
    InformationPolicy.objects.filter(council__tier="parish", review_role__in=BORROWED).update(
        review_role="clerk"
    )


class Migration(migrations.Migration):
    dependencies = [("info_requests", "0002_event_action_anonymised")]

    operations = [migrations.RunPython(parish_reviews_its_own, migrations.RunPython.noop)]
