"""Schedule 12A to the Local Government Act 1972 (Part 1, England) and the s.100F rule. Pure.

Lancaster 8.3: a member's statutory right to inspect documents about committee business
(s.100F LGA 1972) does not reach "exempt" information as defined in Schedule 12A, unless the
information falls within paragraph 3 (financial or business affairs of a particular person),
except so far as it relates to terms proposed by or to the authority in contract negotiations,
or within paragraph 6 (a proposed notice, order or direction imposing requirements).
"""

from __future__ import annotations

from django.db import models


class Schedule12AParagraph(models.TextChoices):
    """The seven descriptions of exempt information. Values are the paragraph numbers."""

    INDIVIDUAL = "1", "Paragraph 1: information relating to any individual"
    IDENTITY = "2", "Paragraph 2: information likely to reveal the identity of an individual"
    FINANCIAL_OR_BUSINESS_AFFAIRS = (
        "3",
        "Paragraph 3: financial or business affairs of any particular person",
    )
    LABOUR_RELATIONS = (
        "4",
        "Paragraph 4: consultations or negotiations on a labour relations matter",
    )
    LEGAL_PROFESSIONAL_PRIVILEGE = "5", "Paragraph 5: legal professional privilege"
    NOTICE_OR_ORDER = (
        "6",
        "Paragraph 6: the authority proposes to give a notice or make an order or direction",
    )
    CRIME = "7", "Paragraph 7: prevention, investigation or prosecution of crime"

    @property
    def description(self) -> str:
        return PARAGRAPH_DESCRIPTIONS[self]


# The words of Schedule 12A Part 1, for the help text and the explanation shown to members.
PARAGRAPH_DESCRIPTIONS: dict[str, str] = {
    "1": "Information relating to any individual.",
    "2": "Information which is likely to reveal the identity of an individual.",
    "3": (
        "Information relating to the financial or business affairs of any particular person "
        "(including the authority holding that information)."
    ),
    "4": (
        "Information relating to any consultations or negotiations, or contemplated "
        "consultations or negotiations, in connection with any labour relations matter arising "
        "between the authority or a Minister of the Crown and employees of, or office holders "
        "under, the authority."
    ),
    "5": (
        "Information in respect of which a claim to legal professional privilege could be "
        "maintained in legal proceedings."
    ),
    "6": (
        "Information which reveals that the authority proposes (a) to give under any enactment "
        "a notice under or by virtue of which requirements are imposed on a person; or (b) to "
        "make an order or direction under any enactment."
    ),
    "7": (
        "Information relating to any action taken or to be taken in connection with the "
        "prevention, investigation or prosecution of crime."
    ),
}


def s100f_gives_access(
    paragraph: str | None, *, contract_negotiation_terms: bool = False
) -> tuple[bool, str]:
    """Whether s.100F LGA 1972 gives a member access to information under `paragraph`.

    `paragraph` is a Schedule 12A paragraph number ("1" to "7") or None when the information is
    not exempt. `contract_negotiation_terms` marks paragraph 3 information that is a term proposed
    by or to the authority in the course of negotiations for a contract. Returns
    (gives_access, explanation in plain words).
    """
    if paragraph in (None, ""):
        return True, (
            "This is not exempt information, so section 100F gives the member access to it "
            "where it relates to business at a meeting."
        )
    try:
        para = Schedule12AParagraph(str(paragraph))
    except ValueError as exc:
        raise ValueError(f"Schedule 12A has no paragraph {paragraph!r} (1 to 7).") from exc
    if para == Schedule12AParagraph.FINANCIAL_OR_BUSINESS_AFFAIRS:
        if contract_negotiation_terms:
            return False, (
                "Paragraph 3 information is open to members under section 100F, except terms "
                "proposed by or to the council in negotiations for a contract, which this is."
            )
        return True, (
            "Paragraph 3 information (financial or business affairs) is one of the two kinds of "
            "exempt information section 100F still opens to members."
        )
    if para == Schedule12AParagraph.NOTICE_OR_ORDER:
        return True, (
            "Paragraph 6 information (a proposed notice, order or direction) is one of the two "
            "kinds of exempt information section 100F still opens to members."
        )
    return False, (
        f"Section 100F does not give access to exempt information under paragraph {para.value} "
        "of Schedule 12A. The member may still show a need to know, or the request is handled "
        "under the Freedom of Information Act."
    )
