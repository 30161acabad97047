"""Sample register entries for the demo councils (run after `load_demo`; never in migrations).

Every entry is made through `registers.services`, acting as the demo people, so routing,
offers, consent and the audit trail are exactly what a user would produce.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from contacts.models import Council, Person, PoliticalGroup, Ward
from registers import services
from registers.models import (
    ApproachKind,
    Briefing,
    SharingConsent,
    WardNotificationKind,
)


class Command(BaseCommand):
    help = "Create sample entries in every register for the demo councils (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Briefing.objects.exists():
            self.stdout.write("Register samples already loaded.")
            return
        try:
            with transaction.atomic():
                count = self._load()
        except (Council.DoesNotExist, Person.DoesNotExist) as error:
            raise CommandError(f"Load the demo councils first (load_demo): {error}") from error
        self.stdout.write(self.style.SUCCESS(f"{count} sample register entries created."))

    def _person(self, council: str, key: str) -> Person:
        return Person.objects.select_related("user", "council").get(council__slug=council, key=key)

    def _user(self, council: str, key: str) -> Any:
        person = self._person(council, key)
        if person.user is None:
            raise CommandError(f"{person.name} has no demo login.")
        return person.user

    def _group(self, council: str, name: str) -> PoliticalGroup:
        return PoliticalGroup.objects.get(council__slug=council, name=name)

    def _load(self) -> int:
        today = timezone.localdate()
        ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
        made = 0
        # Maldon 5.1: a member tells their Group Leader; an officer tells the Head of Paid Service.
        tom = self._person("maldon", "cllr-tom-castleton")
        frost = self._person("maldon", "daniel-frost")
        services.declare_relationship(
            actor=self._user("maldon", "cllr-tom-castleton"),
            person=tom,
            related_person=frost,
            nature="Brother-in-law",
            declared_on=ago(20),
        )
        mo_user = self._user("maldon", "alison-drury")
        marsh = self._person("maldon", "cllr-elaine-marsh")
        treharne = self._person("maldon", "owen-treharne")
        services.declare_relationship(
            actor=mo_user,
            person=treharne,
            related_person=marsh,
            nature="Close friends; neighbours for many years",
            declared_on=ago(45),
        )
        made += 2
        # Maldon 7.1: a briefing to one group, offered to the others.
        frost_user = self._user("maldon", "daniel-frost")
        briefing = services.record_briefing(
            actor=frost_user,
            group=self._group("maldon", "Conservative Group"),
            officer=frost,
            topic="Heybridge Basin conservation area appraisal",
            given_on=ago(6),
            advice="The appraisal's options for the boundary, with the consultation responses "
            "summarised and the officers' assessment of each.",
            decision_meeting="Strategy and Resources Committee",
            decision_meeting_on=today + datetime.timedelta(days=14),
        )
        independent = briefing.offers.get(group__name="Independent Group")
        services.respond_to_offer(
            actor=frost_user,
            offer=independent,
            status="accepted",
            note="Before the group meeting on Thursday, please",
        )
        services.record_declined_attendance(
            actor=frost_user,
            group=self._group("maldon", "Liberal Democrat Group"),
            officer=frost,
            meeting_on=ago(3),
            reason="The agenda item was the group's campaign plan for the by-election.",
        )
        # Lancaster 3.1: a Senior Housing Officer briefs only with the Chief Executive's
        # approval, and the information passes only at the briefed group's written request.
        lan_brief = services.record_briefing(
            actor=self._user("lancaster", "liam-hargreaves"),
            group=self._group("lancaster", "Green Group"),
            officer=self._person("lancaster", "liam-hargreaves"),
            topic="Housing allocations policy review",
            given_on=ago(4),
            advice="Options for the banding scheme and their effect on waiting times.",
            decision_meeting="Cabinet",
            approved_by=self._person("lancaster", "mark-davenport"),
        )
        services.record_written_request(
            actor=self._user("lancaster", "liam-hargreaves"),
            briefing=lan_brief,
            received_on=ago(3),
            reference="Email from the Green Group secretary",
        )
        lan_brief = services.share_briefing_information(
            actor=self._user("lancaster", "liam-hargreaves"), briefing=lan_brief
        )
        services.respond_to_offer(
            actor=self._user("lancaster", "liam-hargreaves"),
            offer=lan_brief.offers.get(group__name="Labour Group"),
            status="declined",
            note="Group leader: not needed this cycle",
        )
        made += 3
        # Maldon 3.3: an officer's approach, reported to the Head of Paid Service.
        approach = services.report_improper_approach(
            actor=self._user("maldon", "cllr-tom-castleton"),
            kind=ApproachKind.OFFICER_APPROACH,
            reported_by=tom,
            about=self._person("maldon", "priya-bennett"),
            occurred_on=ago(9),
            description="At the end of the committee the Director asked me to speak in favour "
            "of restructuring her directorate, saying it would help her case for regrading.",
        )
        services.start_approach_review(
            actor=mo_user,
            approach=approach,
        )
        made += 1
        # Halstead 1.4: through the Clerk.
        victor = self._person("halstead", "cllr-victor-lamb")
        help_request = services.request_officer_help(
            actor=self._user("halstead", "cllr-victor-lamb"),
            requested_by=victor,
            officer=self._person("halstead", "jenny-cole"),
            description="Help to collate residents' comments on the allotments survey for the "
            "next Amenities Committee.",
        )
        services.decide_officer_help_request(
            actor=self._user("halstead", "catherine-plumb"),
            request=help_request,
            approve=True,
            within_workload=True,
            appropriate=True,
            inform_all_members=True,
            reason="Within Jenny's hours this month; the survey matters to every ward, so all "
            "members are told.",
        )
        services.request_officer_help(
            actor=self._user("halstead", "cllr-victor-lamb"),
            requested_by=victor,
            officer=self._person("halstead", "michael-stannard"),
            description="Figures for a press release on the precept.",
        )
        made += 2
        # Lancaster 10: ward notifications, with and without consent.
        holy_trinity = Ward.objects.get(council__slug="halstead", name="Holy Trinity")
        halstead = holy_trinity.council
        clerk = self._user("halstead", "catherine-plumb")
        services.record_ward_notification(
            actor=clerk,
            council=halstead,
            kind=WardNotificationKind.PUBLIC_MEETING,
            wards=[holy_trinity],
            subject="Public meeting on the Colne Road crossing",
            details="Essex Highways will present the options; all ward members are invited.",
            location="Town Hall, Market Hill",
            event_on=today + datetime.timedelta(days=10),
        )
        services.record_ward_notification(
            actor=clerk,
            council=halstead,
            kind=WardNotificationKind.LOCATION_ISSUE,
            wards=[holy_trinity],
            subject="Overhanging tree, Trinity Street",
            details="A resident reported branches over the footway; the contractor is booked.",
            location="Trinity Street",
            resident_name="Mrs P. Resident",
            resident_contact="01787 000000",
            raised_via_councillor=self._person("halstead", "cllr-colin-reeve"),
            sharing_consent=SharingConsent.RESIDENT,
        )
        services.record_ward_notification(
            actor=clerk,
            council=halstead,
            kind=WardNotificationKind.LOCATION_ISSUE,
            wards=[holy_trinity],
            subject="Noise from premises, Head Street",
            details="Environmental Health are monitoring.",
            resident_name="Mr Q. Resident",
            raised_via_councillor=self._person("halstead", "cllr-george-pemberton"),
        )
        made += 3
        # Maldon 8.1: in confidence, member and MO only.
        advice = services.ask_interest_advice(
            actor=self._user("maldon", "cllr-tom-castleton"),
            member=tom,
            question="My wife is a partner in a firm bidding for the leisure contract. Should I "
            "declare an interest at Thursday's committee?",
        )
        services.give_interest_advice(
            actor=mo_user,
            item=advice,
            advice="Yes: this is a disclosable pecuniary interest. Declare it, leave the room for "
            "the item and take no part in the discussion or vote.",
        )
        services.ask_interest_advice(
            actor=self._user("maldon", "cllr-tom-castleton"),
            member=tom,
            question="I am a trustee of the Wickham Bishops village hall. Does that affect the "
            "grants item?",
        )
        made += 2
        return made
