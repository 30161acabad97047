"""The demo: shipped councils, the contract's demo logins and (by default) a few sample cases.

Never run by migrations; `make run` calls it. Idempotent: logins are found or created (their
password reset), sample cases carry an idempotency key, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from contacts.models import Council, Person, Role, RoleAssignment
from contacts.selectors import UserGroup, held_on, role_holder, role_holders

# The contract's demo password (api-contract.md). Demo only: production has no such accounts.
DEMO_PASSWORD = "protocol-demo-2026"  # noqa: S105

# The five councils of the protocols, and who plays the councillor and the officer in each.
DEMO_PEOPLE: dict[str, dict[str, str]] = {
    "maldon": {"councillor": "cllr-tom-castleton", "officer": "daniel-frost"},
    "hounslow": {"councillor": "cllr-sarah-langley", "officer": "tariq-hussain"},
    "lancaster": {"councillor": "cllr-beth-ingram", "officer": "liam-hargreaves"},
    "halstead": {"councillor": "cllr-victor-lamb", "officer": "jenny-cole"},
    "west-lavington": {"councillor": "cllr-david-hatherell", "officer": "roy-gardiner"},
}
# Councils with their own MO get `S-mo`; the lenders' MOs serve Halstead and West Lavington.
MO_LOGINS = ("maldon", "hounslow", "lancaster", "braintree", "wiltshire")

# Issue #20: roles whose holders get a decision-maker login `S-R` (api-contract.md) when a route
# or an information policy names them, besides the Leader and the Head of Paid Service. The MO
# and the clerks have their logins already; committee members' are issue #20b's.
DECIDER_LOGIN_SKIP = {
    Role.MONITORING_OFFICER,
    Role.DEPUTY_MONITORING_OFFICER,
    Role.CLERK,
    Role.CASE_ADMINISTRATOR,
    Role.STANDARDS_COMMITTEE_MEMBER,
    Role.PERSONNEL_COMMITTEE_MEMBER,
}


def decider_holdings(council: Council) -> list[tuple[str, list[tuple[Person, Any]]]]:
    """The roles that decide something in `council`'s published routes or information policy
    (a rung's handler, a subject rule's, a role kept informed, the information decider), plus
    the Leader and the Head of Paid Service; each with its holders today and the service each
    heads (None for a role that heads no service), heads sorted by service."""
    from cases.models import ProtocolVariant, VariantStatus
    from cases.routing import ROLE_EQUIVALENTS
    from info_requests.fixtures_data import INFO_POLICIES
    from info_requests.models import InformationPolicy

    roles: list[str] = [Role.LEADER, Role.HEAD_OF_PAID_SERVICE]
    steps = [
        step
        for variant in ProtocolVariant.objects.filter(
            council=council, status=VariantStatus.PUBLISHED
        ).prefetch_related("steps")
        for step in variant.steps.all()
    ]
    for step in steps:
        wanted = [step.handler_role, *step.inform_roles]
        wanted += [r["handler_role"] for r in step.subject_rules or []]
        for role in wanted:
            roles += list(ROLE_EQUIVALENTS.get(role, (role,)))
    policy = InformationPolicy.objects.filter(council=council).first()
    if policy is not None:
        roles += [policy.decider_role, policy.need_to_know_role, policy.dispute_role]
    elif council.slug in INFO_POLICIES:  # the demo loads the policies after the logins
        shipped = INFO_POLICIES[council.slug]
        roles += [shipped.get(k, "") for k in ("decider_role", "need_to_know_role", "dispute_role")]
    result = []
    for role in dict.fromkeys(r for r in roles if r and r not in DECIDER_LOGIN_SKIP):
        today = timezone.localdate()
        assignments = (
            RoleAssignment.objects.filter(held_on(today), council=council, role=role)
            .select_related("person__user", "service")
            .order_by("service__slug", "starts_on", "pk")
        )
        holders: list[tuple[Person, Any]] = []
        seen: set[int] = set()
        for a in assignments:
            if a.person_id not in seen and a.person.council_id == council.pk:
                seen.add(a.person_id)
                holders.append((a.person, a.service))
        if holders:
            result.append((role, holders))
    return result


@dataclass(frozen=True)
class SampleCase:
    key: str
    council: str
    case_type: str
    raised_by: str
    about: str
    channel: str
    received_days_ago: int
    summary: str
    escalations: tuple[str, ...] = ()


SAMPLE_CASES = (
    SampleCase(
        # Maldon 2.2: emailed two days ago, so the three-working-day acknowledgement is due soon.
        key="demo-1",
        council="maldon",
        case_type="member_concern_about_officer",
        raised_by="cllr-tom-castleton",
        about="daniel-frost",
        channel="email",
        received_days_ago=2,
        summary=(
            "Cllr Castleton asked for an update on the Heybridge Basin planning application "
            "three weeks ago and would like to understand when to expect a reply."
        ),
    ),
    SampleCase(
        # Weeks old: the seven-day response and the acknowledgement are both overdue.
        key="demo-2",
        council="maldon",
        case_type="member_concern_about_officer",
        raised_by="cllr-jo-whitlock",
        about="daniel-frost",
        channel="email",
        received_days_ago=24,
        summary=(
            "Cllr Whitlock would like to talk through how residents in Maldon South were told "
            "about the consultation on the new parking scheme."
        ),
    ),
    SampleCase(
        key="demo-3",
        council="maldon",
        case_type="officer_concern_about_member",
        raised_by="terence-wilkes",
        about="cllr-richard-fenwick",
        channel="in_person",
        received_days_ago=5,
        summary="Comments made about the legal team's advice at the last Planning Committee.",
    ),
    SampleCase(
        # Hounslow 11.2: not satisfied with the Chief Officer, taken to the Chief Executive.
        key="demo-4",
        council="hounslow",
        case_type="member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="tariq-hussain",
        channel="letter",
        received_days_ago=16,
        summary="Complaint about how a resident's parking permit appeal was handled.",
        escalations=("The Chief Officer's reply did not address the delay.",),
    ),
    SampleCase(
        # Lancaster 13.1: past the Service Head, now with the Monitoring Officer (before the CE).
        key="demo-5",
        council="lancaster",
        case_type="officer_concern_about_member",
        raised_by="liam-hargreaves",
        about="cllr-beth-ingram",
        channel="in_person",
        received_days_ago=12,
        summary="Repeated requests to reprioritise individual housing cases outside the policy.",
        escalations=("The difficulties continued after the Service Head's meeting.",),
    ),
    SampleCase(
        # Halstead 4.3: the Town Clerk sought the advice of Braintree's Monitoring Officer.
        key="demo-6",
        council="halstead",
        case_type="officer_complaint_about_member",
        raised_by="jenny-cole",
        about="cllr-victor-lamb",
        channel="email",
        received_days_ago=9,
        summary="An officer believes a member may have breached the Code of Conduct at a meeting.",
        escalations=("The Town Clerk decided to seek the Monitoring Officer's advice.",),
    ),
    SampleCase(
        # West Lavington 4.2: the Wiltshire Council Monitoring Officer offers mediation.
        key="demo-7",
        council="west-lavington",
        case_type="officer_concern_about_member",
        raised_by="susan-kimber",
        about="cllr-david-hatherell",
        channel="letter",
        received_days_ago=20,
        summary="The clerk's grievance about emails sent to her outside working hours.",
        escalations=("Informal conciliation did not resolve the matter.",),
    ),
)


class Command(BaseCommand):
    help = "Load the councils, the demo logins (password in the contract) and sample cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sample-cases",
            dest="sample_cases",
            action="store_true",
            default=True,
            help="Create a handful of sample cases (the default).",
        )
        parser.add_argument(
            "--no-sample-cases",
            dest="sample_cases",
            action="store_false",
            help="Only the councils and the logins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("load_councils", verbosity=verbosity)
        with transaction.atomic():
            groups = {name: Group.objects.get_or_create(name=name)[0] for name in UserGroup.ALL}
            logins = self._logins(groups)
        created = self._sample_cases() if options["sample_cases"] else []
        # Information policies per council (and, with sample data, a few Lancaster requests).
        call_command(
            "load_info_policies", sample_requests=options["sample_cases"], verbosity=verbosity
        )
        if options["sample_cases"]:
            call_command("load_register_samples", verbosity=verbosity)
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"{len(logins)} demo logins ready")
                + f" (password {DEMO_PASSWORD}): {', '.join(logins)}"
            )
            if options["sample_cases"]:
                self.stdout.write(f"{len(created)} sample cases created.")

    # -- logins --------------------------------------------------------------------------------
    def _logins(self, groups: dict[str, Group]) -> list[str]:
        user_model = get_user_model()
        admin, _ = user_model.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.email = "admin@protocol.example"
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        names = ["admin"]
        for slug, people in DEMO_PEOPLE.items():
            council = self._council(slug)
            clerk = role_holder(council=council, role=Role.CASE_ADMINISTRATOR) or role_holder(
                council=council, role=Role.CLERK
            )
            if clerk is None or clerk.council_id != council.pk:
                raise CommandError(f"{council.name} has no clerk or case administrator.")
            self._login(f"{slug}-clerk", clerk, groups[UserGroup.CLERK])
            self._login(
                f"{slug}-councillor",
                self._person(council, people["councillor"]),
                groups[UserGroup.COUNCILLOR],
            )
            self._login(
                f"{slug}-officer",
                self._person(council, people["officer"]),
                groups[UserGroup.OFFICER],
            )
            names += [f"{slug}-clerk", f"{slug}-councillor", f"{slug}-officer"]
        for slug in MO_LOGINS:
            council = self._council(slug)
            mo = role_holder(council=council, role=Role.MONITORING_OFFICER)
            if mo is None:
                raise CommandError(f"{council.name} has no Monitoring Officer.")
            self._login(f"{slug}-mo", mo, groups[UserGroup.MONITORING_OFFICER])
            names.append(f"{slug}-mo")
        for slug in DEMO_PEOPLE:
            names += [name for name, _ in self._decider_logins(self._council(slug), groups)]
        names += self._committee_logins(groups[UserGroup.COUNCILLOR])
        return names

    def _committee_logins(self, group: Group) -> list[str]:
        """`S-R` for one member of each committee that sits as a panel on a shipped route
        (api-contract.md: R's underscores as hyphens, e.g. `maldon-standards-committee-member`);
        West Lavington's second member also gets the contract's own example,
        `west-lavington-personnel-committee`, so two members can act on one case."""
        from cases.models import VariantStatus, VariantStep
        from cases.routing import is_panel_role

        steps = (
            VariantStep.objects.filter(
                variant__status=VariantStatus.PUBLISHED, variant__council__slug__in=DEMO_PEOPLE
            )
            .values_list("variant__council__slug", "handler_role")
            .distinct()
        )
        names: list[str] = []
        for slug, role in sorted(set(steps)):
            if not is_panel_role(role):
                continue
            council = self._council(slug)
            base = f"{slug}-{role.replace('_', '-')}"
            wanted = [base]
            if base.endswith("-member"):
                wanted.append(base.removesuffix("-member"))
            user_model = get_user_model()
            holders = [
                h.person
                for h in role_holders(council=council, role=role)
                if h.person.council_id == council.pk
            ]
            for username in wanted:
                mine = user_model.objects.filter(username=username).first()
                person = next(
                    (p for p in holders if mine is not None and p.user_id == mine.pk), None
                ) or next((p for p in holders if p.user_id is None), None)
                if person is None:
                    continue
                self._login(username, person, group)
                names.append(username)
        return names

    def _decider_logins(
        self, council: Council, groups: dict[str, Group]
    ) -> list[tuple[str, Person]]:
        """`S-R` for each role R that decides something in the council's routes (api-contract
        .md), and `S-R-<service>` where several people hold R heading different services.

        A person has one login (`Person.user`): someone who already has one (the MO, a clerk,
        or an earlier role) keeps it and is not given a second."""
        made: list[tuple[str, Person]] = []
        for role, holders in decider_holdings(council):
            key = role.replace("_", "-")
            for i, (person, service) in enumerate(holders):
                name = f"{council.slug}-{key}"
                if i > 0 and service is not None:
                    name += f"-{service.slug}"
                elif i > 0:
                    continue
                if person.user is not None and person.user.username != name:
                    continue
                group = UserGroup.COUNCILLOR if person.is_councillor else UserGroup.OFFICER
                self._login(name, person, groups[group])
                made.append((name, person))
        return made

    @staticmethod
    def _council(slug: str) -> Council:
        council = Council.objects.filter(slug=slug).first()
        if council is None:
            raise CommandError(f"Council {slug!r} is missing: check fixtures/councils.")
        return council

    @staticmethod
    def _person(council: Council, key: str) -> Person:
        person = Person.objects.filter(council=council, key=key).first()
        if person is None:
            raise CommandError(f"{council.name} has no person with key {key!r}.")
        return person

    @staticmethod
    def _login(username: str, person: Person, group: Group) -> AbstractUser:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=username)
        first, _, last = person.name.removeprefix("Cllr ").partition(" ")
        user.first_name, user.last_name, user.email = first, last, person.email
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([group])
        # One login per person: a login moved to someone else leaves its old person unlinked.
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user"])
        return user  # type: ignore[return-value]

    # -- sample cases --------------------------------------------------------------------------
    def _sample_cases(self) -> list[str]:
        from cases.models import Case
        from cases.services import escalate_case, open_case

        created = []
        now = timezone.localtime()
        for sample in SAMPLE_CASES:
            if Case.objects.filter(idempotency_key=sample.key).exists():
                continue
            council = self._council(sample.council)
            received = (now - datetime.timedelta(days=sample.received_days_ago)).replace(
                hour=10, minute=15, second=0, microsecond=0
            )
            with transaction.atomic():
                # The demo loader is the system itself: actor None is not permission-checked.
                case = open_case(
                    council=council,
                    case_type=sample.case_type,
                    raised_by=self._person(council, sample.raised_by),
                    about=self._person(council, sample.about),
                    channel=sample.channel,
                    received_at=min(received, now),
                    summary=sample.summary,
                    actor=None,
                    idempotency_key=sample.key,
                )
                for reason in sample.escalations:
                    case = escalate_case(case=case, actor=None, reason=reason)
            created.append(case.reference)
        return created
