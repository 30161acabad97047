"""A small council for the register tests: groups with leaders, the statutory officers, logins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacts.models import Council, Person, PoliticalGroup, Role, Ward
from contacts.selectors import UserGroup
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    PoliticalGroupFactory,
    RoleAssignmentFactory,
    WardFactory,
    user_for,
)


@dataclass
class World:
    council: Council
    wards: dict[str, Ward]
    groups: dict[str, PoliticalGroup]
    people: dict[str, Person]
    users: dict[str, Any] = field(default_factory=dict)

    def person(self, name: str) -> Person:
        return self.people[name]


def build_world(slug: str = "maldon", name: str = "Maldon District Council") -> World:
    """People by name, each with a login:

    - hops (Head of Paid Service), mo, dmo (deputy MO), clerk (clerk group), officer, officer2
    - leader_a / member_a (group A, ward north), leader_b / member_b (group B, ward north),
      leader_c (group C, ward south), independent (no group, ward south)
    - other_mo: the MO of another council
    """
    council = CouncilFactory(slug=slug, name=name)
    north = WardFactory(council=council, name="North")
    south = WardFactory(council=council, name="South")
    groups = {k: PoliticalGroupFactory(council=council, name=f"Group {k.upper()}") for k in "abc"}
    people: dict[str, Person] = {}
    users: dict[str, Any] = {}

    def officer(key: str, title: str, *groups_: str, role: str | None = None) -> Person:
        p = OfficerFactory(council=council, name=key.replace("_", " ").title(), job_title=title)
        if role:
            RoleAssignmentFactory(person=p, council=council, role=role)
        people[key] = p
        users[key] = user_for(p, UserGroup.OFFICER, *groups_)
        return p

    def member(key: str, ward: Ward, group: PoliticalGroup | None) -> Person:
        p = CouncillorFactory(
            council=council, ward=ward, political_group=group, name=f"Cllr {key.title()}"
        )
        people[key] = p
        users[key] = user_for(p, UserGroup.COUNCILLOR)
        return p

    officer("hops", "Chief Executive", role=Role.HEAD_OF_PAID_SERVICE)
    officer("mo", "Monitoring Officer", UserGroup.MONITORING_OFFICER, role=Role.MONITORING_OFFICER)
    officer("dmo", "Deputy MO", UserGroup.MONITORING_OFFICER, role=Role.DEPUTY_MONITORING_OFFICER)
    officer("clerk", "Democratic Services", UserGroup.CLERK, role=Role.CLERK)
    officer("officer", "Service Head", role=Role.SERVICE_HEAD)
    officer("officer2", "Planning Officer")
    for key, ward, group in [
        ("leader_a", north, groups["a"]),
        ("member_a", north, groups["a"]),
        ("leader_b", north, groups["b"]),
        ("member_b", north, groups["b"]),
        ("leader_c", south, groups["c"]),
        ("independent", south, None),
    ]:
        member(key, ward, group)
    for k in "abc":
        groups[k].leader = people[f"leader_{k}"]
        groups[k].save(update_fields=["leader"])
    elsewhere = CouncilFactory(slug=f"{slug}-other", name="Elsewhere Council")
    other_mo = OfficerFactory(council=elsewhere, name="Other MO", job_title="Monitoring Officer")
    RoleAssignmentFactory(person=other_mo, council=elsewhere, role=Role.MONITORING_OFFICER)
    people["other_mo"] = other_mo
    users["other_mo"] = user_for(other_mo, UserGroup.MONITORING_OFFICER)
    return World(
        council=council,
        wards={"north": north, "south": south},
        groups=groups,
        people=people,
        users=users,
    )
