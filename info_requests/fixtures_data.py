"""Each shipped council's information policy, from its protocol. Loaded by
`manage.py load_info_policies` (called by `load_demo`); re-running it updates in place."""

from __future__ import annotations

from typing import Any

from contacts.models import Role

from .models import LANCASTER_CAVEAT, MALDON_CAVEAT

PARISH_GUIDANCE = (
    "A parish or town council is not bound by section 100F (it applies to principal councils), so "
    "a member relies on the common-law need to know, decided by the Clerk (who may seek the "
    "Monitoring Officer's advice), and then on the Freedom of Information Act. The parish is "
    "its own public authority under FOIA (Schedule 1, Part II), so its FOI internal review is "
    "the parish's own, by the Clerk (or a councillor panel the council names), never by the "
    "lending council's Monitoring Officer."
)

INFO_POLICIES: dict[str, dict[str, Any]] = {
    "lancaster": {
        "decider_role": Role.SERVICE_HEAD,
        "need_to_know_role": Role.MONITORING_OFFICER,
        "dispute_role": "",
        "review_role": Role.MONITORING_OFFICER,
        "s100f_applies": True,
        "reasons_required_outside_committee": False,
        "resource_pause": False,
        "caveat_text": LANCASTER_CAVEAT,
        "protocol_reference": "Lancaster 8.1-8.10",
        "guidance": (
            "8.6: the Service Head first asks whether a member of the public would be given the "
            "information. 8.7: if not, s.100F or need to know, consulting the Monitoring Officer, "
            "whose determination of need to know is final. 8.8: otherwise an FOI request, with an "
            "internal review by the Monitoring Officer and then the Information Commissioner."
        ),
    },
    "maldon": {
        "decider_role": Role.DIRECTOR,
        "need_to_know_role": Role.DIRECTOR,
        "dispute_role": Role.HEAD_OF_PAID_SERVICE,
        "review_role": Role.MONITORING_OFFICER,
        "s100f_applies": True,
        "reasons_required_outside_committee": True,
        "resource_pause": False,
        "caveat_text": MALDON_CAVEAT,
        "protocol_reference": "Maldon 10.1-10.3",
        "guidance": (
            "10.2: need to know is shown to the satisfaction of the Director holding the "
            "information, who may seek a Legal Advisor's advice; any dispute is referred to the "
            "Head of Paid Service. A request not directly relevant to the member's service on a "
            "body is put in writing to the Director with the reasons for it."
        ),
    },
    "hounslow": {
        "decider_role": Role.DIRECTOR,
        "need_to_know_role": Role.MONITORING_OFFICER,
        "dispute_role": "",
        "review_role": Role.MONITORING_OFFICER,
        "s100f_applies": True,
        "reasons_required_outside_committee": False,
        "resource_pause": True,
        "caveat_text": LANCASTER_CAVEAT,
        "protocol_reference": "Hounslow 3.5, 5.2-5.4",
        "guidance": (
            "3.5: councillors deal first with the Head of Paid Service, Executive Directors and "
            "Directors. 5.3: where the resource implications of providing information are "
            "considerable, the Leaders of the political groups and the Head of Paid Service agree "
            "what is provided. That pause never stops an FOI clock."
        ),
    },
    "halstead": {
        "decider_role": Role.CLERK,
        "need_to_know_role": Role.CLERK,
        "dispute_role": "",
        # FOIA Schedule 1 Part II: a parish council is a public authority in its own right, so
        # the parish reviews its own FOI decisions, not the district's Monitoring Officer.
        "review_role": Role.CLERK,
        "s100f_applies": False,
        "reasons_required_outside_committee": False,
        "resource_pause": False,
        "caveat_text": (
            "Halstead 5: confidential information must not be divulged until it has been made "
            "public. " + LANCASTER_CAVEAT
        ),
        "protocol_reference": "Halstead 1.4, 4.2, 5",
        "guidance": PARISH_GUIDANCE,
    },
    "west-lavington": {
        "decider_role": Role.CLERK,
        "need_to_know_role": Role.CLERK,
        "dispute_role": "",
        # FOIA Schedule 1 Part II: a parish council is a public authority in its own right, so
        # the parish reviews its own FOI decisions, not the district's Monitoring Officer.
        "review_role": Role.CLERK,
        "s100f_applies": False,
        "reasons_required_outside_committee": False,
        "resource_pause": False,
        "caveat_text": LANCASTER_CAVEAT,
        "protocol_reference": "West Lavington 3.1",
        "guidance": PARISH_GUIDANCE,
    },
}
