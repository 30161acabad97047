"""Create or update the information policies of the shipped councils (idempotent).

`--sample-requests` also logs a few demonstration requests at Lancaster (once): one waiting for
the Monitoring Officer's need-to-know determination, one provided with the caveat, and one
handled under the Freedom of Information Act with its clock running.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from contacts.models import Council, Person, Role
from contacts.selectors import role_holder
from info_requests import services
from info_requests.fixtures_data import INFO_POLICIES
from info_requests.models import InfoRequest, InformationPolicy, RefusalReason


class Command(BaseCommand):
    help = "Load each shipped council's members' information policy (run after load_councils)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sample-requests",
            action="store_true",
            help="Also log demonstration requests at Lancaster (only if it has none).",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created = updated = 0
        for slug, values in INFO_POLICIES.items():
            council = Council.objects.filter(slug=slug).first()
            if council is None:
                self.stderr.write(f"Skipped {slug}: load the councils first (load_councils).")
                continue
            _, was_created = InformationPolicy.objects.update_or_create(
                council=council, defaults=values
            )
            created += was_created
            updated += not was_created
        if options["verbosity"]:
            self.stdout.write(f"Information policies: {created} created, {updated} updated.")
        if options["sample_requests"]:
            made = self._samples()
            if options["verbosity"]:
                self.stdout.write(f"{made} sample information requests created.")

    def _samples(self) -> int:
        council = Council.objects.filter(slug="lancaster").first()
        member = Person.objects.filter(council=council, key="cllr-beth-ingram").first()
        mo = role_holder(council=council, role=Role.MONITORING_OFFICER) if council else None
        admin = get_user_model().objects.filter(username="admin").first()
        if (
            council is None
            or member is None
            or member.user is None
            or mo is None
            or mo.user is None
            or admin is None
            or InfoRequest.objects.filter(council=council).exists()
        ):
            return 0
        now = timezone.now()
        # The Service Head's steps are taken by the admin login: demo logins hold no Service Head.
        waiting = services.create_info_request(
            council=council,
            requested_by=member,
            description="The background papers to the Cabinet report on disposing of the Mill "
            "Lane car park, including the valuation and the draft heads of terms.",
            received_at=now - datetime.timedelta(days=3),
            actor=member.user,
            own_committee_business=False,
            reasons="Mill Lane is in my ward and residents have asked me about the sale.",
            items=["Cabinet report, Mill Lane car park disposal"],
        )
        services.add_requested_item(
            info_request=waiting,
            actor=admin,
            description="Independent valuation of the Mill Lane site",
            schedule_12a_paragraph="3",
        )
        services.add_requested_item(
            info_request=waiting,
            actor=admin,
            description="Draft heads of terms proposed to the preferred bidder",
            schedule_12a_paragraph="3",
            contract_negotiation_terms=True,
        )
        services.consider_member_rights(
            info_request=waiting,
            actor=admin,
            note="Not something we would publish while the sale is negotiated: asking the "
            "Monitoring Officer about need to know.",
        )
        provided = services.create_info_request(
            council=council,
            requested_by=member,
            description="Complaints received about the Mill Lane car park in the last year.",
            received_at=now - datetime.timedelta(days=12),
            actor=member.user,
            own_committee_business=False,
            reasons="Ward casework.",
        )
        provided = services.consider_member_rights(info_request=provided, actor=admin)
        services.provide_on_need_to_know(
            info_request=provided,
            actor=mo.user,
            note="Ward casework: the car park is in the councillor's ward.",
            letter_text="As ward member you need this to deal with residents' concerns.",
        )
        foi = services.create_info_request(
            council=council,
            requested_by=member,
            description="Every email sent by the Planning service about any site in the "
            "district since 2020.",
            received_at=now - datetime.timedelta(days=6),
            actor=member.user,
            own_committee_business=False,
            reasons="General interest in how planning works.",
        )
        foi = services.consider_member_rights(info_request=foi, actor=admin)
        foi = services.refuse_access(
            info_request=foi,
            actor=mo.user,
            reason=RefusalReason.ROVING_COMMISSION,
            detail="No particular matter or ward is identified.",
        )
        services.treat_as_foi(info_request=foi, actor=admin)
        return 3
