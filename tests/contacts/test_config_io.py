"""YAML import/export of a council's configuration (issue #12): round trip and validation."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, ProtocolVariant, VariantStatus
from contacts.config_io import (
    COUNCILS_DIR,
    dump_yaml,
    export_council,
    import_council,
    lenders_first,
    validate_schema,
)
from contacts.models import Council, Person, RoleAssignment
from tests.factories import CouncillorFactory, OfficerFactory

from . import test_fixtures as shipped_data

# The councils and demo logins, loaded once for the module (see test_fixtures.demo_module).
demo_module = shipped_data.demo_module
shipped = shipped_data.shipped

SLUGS = ["maldon", "hounslow", "lancaster", "halstead", "west-lavington", "braintree", "wiltshire"]


def _file(slug: str) -> dict[str, Any]:
    return yaml.safe_load((COUNCILS_DIR / f"{slug}.yaml").read_text(encoding="utf-8"))


def _newtown() -> dict[str, Any]:
    """Maldon's file as a new council's starting point: saving it creates a whole council."""
    doc = copy.deepcopy(_file("maldon"))
    doc["council"].update(slug="newtown", name="Newtown District Council", reference_prefix="NEW")
    return doc


# -- round trip -----------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_export_of_a_shipped_council_is_its_file(shipped, slug):
    assert export_council(shipped[slug]) == _file(slug)


@pytest.mark.parametrize("slug", SLUGS)
def test_exported_yaml_reads_back_to_the_same_structure(shipped, slug):
    exported = export_council(shipped[slug])
    assert yaml.safe_load(dump_yaml(exported, header="a comment")) == exported


def test_a_council_imported_from_anothers_file_exports_the_same(shipped):
    council = import_council(_newtown())
    assert council.slug == "newtown"
    exported = export_council(council)
    assert exported == _newtown()
    assert Person.objects.filter(council=council).count() == len(exported["people"])
    # The new council's published ladders are usable at once: every handler role is held.
    assert council.variants.filter(status=VariantStatus.PUBLISHED).count() == 4


def test_reimporting_an_unchanged_file_writes_nothing(shipped):
    with CaptureQueriesContext(connection) as queries:
        import_council(_file("lancaster"))
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_reimport_updates_in_place_by_natural_keys(shipped):
    doc = _file("maldon")
    doc["people"][0]["name"] = "Alison Drury-Hale"
    doc["role_assignments"][0]["notes"] = "Updated"
    people, roles = Person.objects.count(), RoleAssignment.objects.count()
    import_council(doc)
    assert Person.objects.count() == people
    assert RoleAssignment.objects.count() == roles
    assert (
        Person.objects.get(council__slug="maldon", key="alison-drury").name == "Alison Drury-Hale"
    )


def test_a_person_added_without_a_key_is_adopted_not_duplicated(shipped):
    maldon = shipped["maldon"]
    officer = OfficerFactory(council=maldon, name="Grace Appleby", job_title="Housing Officer")
    doc = export_council(maldon)
    assert "grace-appleby" in [p["key"] for p in doc["people"]]
    import_council(doc)
    officer.refresh_from_db()
    assert officer.key == "grace-appleby"
    assert Person.objects.filter(name="Grace Appleby").count() == 1


def test_steps_change_while_no_case_uses_the_version(shipped):
    doc = _file("hounslow")
    doc["variants"][0]["steps"][0]["label"] = "The Chief Officer for the service"
    import_council(doc)
    variant = ProtocolVariant.objects.get(
        council=shipped["hounslow"], case_type=doc["variants"][0]["case_type"], version=1
    )
    assert variant.step_at(1).label == "The Chief Officer for the service"


def _pin_a_case(council: Council, case_type: str) -> Case:
    variant = ProtocolVariant.objects.get(council=council, case_type=case_type, version=1)
    officer = OfficerFactory(council=council, job_title="Officer")
    councillor = CouncillorFactory(council=council, ward=council.wards.first())
    return Case.objects.create(
        reference=f"{council.reference_prefix}-TEST-1",
        council=council,
        case_type=case_type,
        variant=variant,
        state=variant.step_at(1).state,
        raised_by=councillor,
        about=officer,
        channel="email",
        received_at=timezone.now(),
        summary="A pinned case",
    )


def test_steps_of_a_version_cases_are_pinned_to_never_change(shipped):
    doc = _file("hounslow")
    case_type = doc["variants"][0]["case_type"]
    _pin_a_case(shipped["hounslow"], case_type)
    doc["variants"][0]["steps"][0]["label"] = "Changed"
    with pytest.raises(ValidationError) as caught:
        import_council(doc)
    assert "has cases pinned to it" in caught.value.message_dict["variants[0].steps"][0]
    variant = ProtocolVariant.objects.get(
        council=shipped["hounslow"], case_type=case_type, version=1
    )
    assert variant.step_at(1).label == "The appropriate Chief Officer, in the first instance"
    # Unchanged, the same file still imports with the case in place.
    import_council(_file("hounslow"))


def test_a_new_published_version_is_refused_while_another_is_published(shipped):
    doc = _file("halstead")
    doc["variants"][0]["version"] = 2
    with pytest.raises(ValidationError) as caught:
        import_council(doc)
    assert "already publishes" in caught.value.message_dict["variants[0].status"][0]
    doc["variants"][0]["status"] = VariantStatus.DRAFT
    import_council(doc)  # a draft of version 2 is fine
    assert ProtocolVariant.objects.filter(council__slug="halstead", version=2).count() == 1


def test_lenders_come_before_borrowers():
    docs = [_file(slug) for slug in SLUGS]
    order = [d["council"]["slug"] for d in lenders_first(docs)]
    for borrower, lender in (("halstead", "braintree"), ("west-lavington", "wiltshire")):
        assert order.index(lender) < order.index(borrower)


# -- validation: each rule refused with a clear message, nothing saved ------------------------
Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _append(path: list[Any], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target = doc
        for part in path:
            target = target[part]
        target.append(copy.deepcopy(value) if not callable(value) else value(doc))

    return mutate


def _drop_standards_committee(doc: dict[str, Any]) -> None:
    doc["role_assignments"] = [
        a for a in doc["role_assignments"] if a["role"] != "standards_committee_member"
    ]


def _councillor_without_ward(doc: dict[str, Any]) -> None:
    councillor = next(p for p in doc["people"] if p["kind"] == "councillor")
    councillor["ward"] = None


def _officer_in_a_group(doc: dict[str, Any]) -> None:
    officer = next(p for p in doc["people"] if p["kind"] == "officer")
    officer["political_group"] = "Conservative Group"


def _variant(doc: dict[str, Any], case_type: str) -> tuple[int, dict[str, Any]]:
    return next((i, v) for i, v in enumerate(doc["variants"]) if v["case_type"] == case_type)


def _duplicate_state(doc: dict[str, Any]) -> None:
    _, variant = _variant(doc, "officer_concern_about_member")
    variant["steps"][1]["state"] = variant["steps"][0]["state"]


def _zero_clock(doc: dict[str, Any]) -> None:
    _, variant = _variant(doc, "member_concern_about_officer")
    variant["steps"][0]["clocks"][0]["length"] = 0


def _no_steps(doc: dict[str, Any]) -> None:
    _, variant = _variant(doc, "member_complaint_about_officer")
    variant["steps"] = []


def _two_published(doc: dict[str, Any]) -> None:
    _, variant = _variant(doc, "member_complaint_about_officer")
    doc["variants"].append({**copy.deepcopy(variant), "version": 2})


CONCERN = 1  # index of member_concern_about_officer in Maldon's exported variants
OFFICER_CONCERN = 3  # officer_concern_about_member
COMPLAINT = 0  # member_complaint_about_officer

RULES: list[tuple[str, Mutation, str, str]] = [
    (
        "unknown role key",
        _set(["role_assignments", 0, "role"], "chief_whip"),
        "role_assignments[0].role",
        "Unknown role 'chief_whip'",
    ),
    (
        "unknown handler role",
        _set(["variants", COMPLAINT, "steps", 0, "handler_role"], "mayor"),
        f"variants[{COMPLAINT}].steps[0].handler_role",
        "Unknown role 'mayor'",
    ),
    (
        "unknown role to inform",
        _set(["variants", COMPLAINT, "steps", 0, "inform_roles"], ["leader", "press_office"]),
        f"variants[{COMPLAINT}].steps[0].inform_roles[1]",
        "Unknown role 'press_office'",
    ),
    (
        "step with a duplicate state",
        _duplicate_state,
        f"variants[{OFFICER_CONCERN}].steps[1].state",
        "Two steps have the state 'chief_officer'",
    ),
    (
        "clock of zero days",
        _zero_clock,
        f"variants[{CONCERN}].steps[0].clocks[0].length",
        "A clock must run for at least one day (got 0)",
    ),
    (
        "ladder with no step",
        _no_steps,
        f"variants[{COMPLAINT}].steps",
        "A variant needs at least one step",
    ),
    (
        "escalation state that is not a rung",
        _set(["variants", COMPLAINT, "steps", 0, "state"], "resolved"),
        f"variants[{COMPLAINT}].steps[0].state",
        "'resolved' is not allowed here",
    ),
    (
        "MO council that is a parish",
        _set(["council", "monitoring_officer_council"], "halstead"),
        "council.monitoring_officer_council",
        "Halstead Town Council is a parish council and has no Monitoring Officer to lend",
    ),
    (
        "MO council that does not exist",
        _set(["council", "monitoring_officer_council"], "atlantis"),
        "council.monitoring_officer_council",
        "No council 'atlantis'",
    ),
    (
        "parish without an MO council",
        _set(["council", "tier"], "parish"),
        "council.monitoring_officer_council",
        "A parish or town council has no Monitoring Officer of its own",
    ),
    (
        "unknown tier",
        _set(["council", "tier"], "county_borough"),
        "council.tier",
        "'county_borough' is not allowed here",
    ),
    (
        "councillor without a ward",
        _councillor_without_ward,
        "people[11].ward",
        "A councillor must represent a ward.",
    ),
    (
        "officer in a political group",
        _officer_in_a_group,
        "people[0].political_group",
        "Officers are politically neutral",
    ),
    (
        "ward not listed",
        _set(["people", 11, "ward"], "Atlantis"),
        "people[11].ward",
        "Ward 'Atlantis' is not in `wards`.",
    ),
    (
        "person key used twice",
        _append(["people"], lambda doc: {**doc["people"][0], "name": "Someone Else"}),
        "people[0].key",
        "Person key 'alison-drury' is used twice.",
    ),
    (
        "role for an unknown person",
        _set(["role_assignments", 0, "person"], "nobody-here"),
        "role_assignments[0].person",
        "No person with key 'nobody-here'",
    ),
    (
        "role ending before it starts",
        _set(["role_assignments", 0, "ends_on"], datetime.date(2010, 1, 1)),
        "role_assignments[0].ends_on",
        "The end date must be on or after the start date.",
    ),
    (
        "date that does not exist",
        _set(["role_assignments", 0, "starts_on"], "2024-02-30"),
        "role_assignments[0].starts_on",
        "'2024-02-30' is not a real date.",
    ),
    (
        "date in the wrong format",
        _set(["role_assignments", 0, "starts_on"], "1 April 2024"),
        "role_assignments[0].starts_on",
        "'1 April 2024' is not a date; write it as YYYY-MM-DD.",
    ),
    (
        "step nobody can handle today",
        _drop_standards_committee,
        f"variants[{OFFICER_CONCERN}].steps[2].handler_role",
        "Nobody holds 'Standards Committee member' for Newtown District Council today",
    ),
    (
        "two published versions of one case type",
        _two_published,
        "variants",
        "Only one version of member_complaint_about_officer may be published.",
    ),
    (
        "unknown field",
        _set(["council", "mayor"], "Cllr X"),
        "council",
        "Unknown field(s): mayor.",
    ),
    # Issue #20: the organisation structure.
    (
        "service listed twice",
        _append(["services"], lambda doc: dict(doc["services"][0])),
        "services[0].slug",
        "Service 'chief-executives-office' is listed twice.",
    ),
    (
        "service inside an unknown one",
        _set(["services", 0, "parent"], "atlantis"),
        "services[0].parent",
        "Service 'atlantis' is not in `services`.",
    ),
    (
        "officer in an unknown service",
        _set(["service_memberships", 0, "service"], "atlantis"),
        "service_memberships[0].service",
        "Service 'atlantis' is not in `services`.",
    ),
    (
        "councillor in a service",
        _set(["service_memberships", 0, "person"], "cllr-tom-castleton"),
        "service_memberships[0].person",
        "'cllr-tom-castleton' is a councillor: only officers belong.",
    ),
    (
        "line manager nobody knows",
        _set(["service_memberships", 0, "line_manager"], "nobody-at-all"),
        "service_memberships[0].line_manager",
        "No person with key 'nobody-at-all'.",
    ),
    (
        "head of an unknown service",
        _set(["role_assignments", 1, "service"], "atlantis"),
        "role_assignments[1].service",
        "Service 'atlantis' is not in `services`.",
    ),
    (
        "a Monitoring Officer heading a service",
        _set(["role_assignments", 6, "service"], "resources"),
        "role_assignments[6].service",
        "Only a Director, Chief Officer or Service Head heads a service",
    ),
    (
        "an officer in two services at once",
        _append(
            ["service_memberships"],
            {"person": "daniel-frost", "service": "resources", "starts_on": "2024-01-01"},
        ),
        "service_memberships[11].starts_on",
        "an officer belongs to one service at a time",
    ),
    (
        "missing field",
        lambda doc: doc["council"].pop("name"),
        "council",
        "'name' is required",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [pytest.param(m, p, msg, id=rule) for rule, m, p, msg in RULES],
)
def test_each_validation_rule_names_the_bad_item_and_saves_nothing(shipped, mutate, path, message):
    doc = _newtown()
    # The indexes used in RULES refer to Maldon's exported order.
    assert [v["case_type"] for v in doc["variants"]] == [
        "member_complaint_about_officer",
        "member_concern_about_officer",
        "officer_complaint_about_member",
        "officer_concern_about_member",
    ]
    assert doc["people"][11]["kind"] == "councillor"
    mutate(doc)
    people, roles = Person.objects.count(), RoleAssignment.objects.count()
    with pytest.raises(ValidationError) as caught:
        import_council(doc)
    errors = caught.value.message_dict
    assert path in errors, errors
    assert any(message in m for m in errors[path]), errors[path]
    assert not Council.objects.filter(slug="newtown").exists()
    assert (Person.objects.count(), RoleAssignment.objects.count()) == (people, roles)


def test_a_parish_cannot_hold_its_own_monitoring_officer(shipped):
    doc = _file("halstead")
    doc["role_assignments"].append(
        {
            "person": "catherine-plumb",
            "role": "monitoring_officer",
            "capacity": "substantive",
            "starts_on": datetime.date(2025, 1, 1),
        }
    )
    with pytest.raises(ValidationError) as caught:
        import_council(doc)
    message = caught.value.message_dict[
        f"role_assignments[{len(doc['role_assignments']) - 1}].role"
    ]
    assert "its Monitoring Officer is lent by Braintree District Council" in message[0]


def test_schema_reports_every_problem_at_once():
    doc = _newtown()
    doc["council"]["tier"] = "empire"
    doc["role_assignments"][1]["role"] = "emperor"
    with pytest.raises(ValidationError) as caught:
        validate_schema(doc)
    assert {"council.tier", "role_assignments[1].role"} <= set(caught.value.message_dict)


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_schema(["not", "a", "council"])
    assert "must be a mapping" in caught.value.message_dict["(document)"][0]


# -- commands -------------------------------------------------------------------------------------
def test_export_council_command_writes_the_file(shipped, tmp_path):
    target = tmp_path / "west-lavington.yaml"
    call_command("export_council", "west-lavington", output=target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# West Lavington Parish Council")
    assert yaml.safe_load(text) == _file("west-lavington")


def test_export_council_command_refuses_an_unknown_council(shipped):
    with pytest.raises(CommandError, match="No council 'atlantis'"):
        call_command("export_council", "atlantis")


def test_load_councils_names_the_bad_file_and_loads_nothing(shipped, tmp_path: Path):
    good = tmp_path / "newtown.yaml"
    good.write_text(dump_yaml(_newtown()), encoding="utf-8")
    bad_doc = _newtown()
    bad_doc["council"].update(slug="badtown", reference_prefix="BAD")
    bad_doc["variants"][0]["steps"][0]["clocks"] = [
        {"kind": "response", "length": 0, "unit": "calendar_days", "calendar": "council"}
    ]
    bad = tmp_path / "badtown.yaml"
    bad.write_text(dump_yaml(bad_doc), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load_councils", good, bad, verbosity=0)
    assert "badtown.yaml: variants[0].steps[0].clocks[0].length" in str(caught.value)
    assert not Council.objects.filter(slug__in=["newtown", "badtown"]).exists()


def test_load_councils_refuses_a_file_that_is_not_yaml(shipped, tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("council: [unclosed", encoding="utf-8")
    with pytest.raises(CommandError, match="Not valid YAML"):
        call_command("load_councils", broken, verbosity=0)
