"""Keep open clocks true to the calendar they run on.

A council's closure days (admin) or a clock rule (variant editor) changing recomputes the open
clocks they govern, after the change commits. Met and breached clocks are never touched.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import ClockRule
from contacts.models import ClosureDay, Council


def _recompute_council(council_id: int) -> None:
    from .services import recompute_unstarted_or_open_clocks

    council = Council.objects.filter(pk=council_id).first()
    if council is not None:
        recompute_unstarted_or_open_clocks(council)


@receiver(post_save, sender=ClosureDay, dispatch_uid="clocks_closure_saved")
@receiver(post_delete, sender=ClosureDay, dispatch_uid="clocks_closure_deleted")
def closure_day_changed(sender: Any, instance: ClosureDay, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    council_id = instance.council_id
    transaction.on_commit(lambda: _recompute_council(council_id))


@receiver(post_save, sender=ClockRule, dispatch_uid="clocks_rule_saved")
def clock_rule_changed(sender: Any, instance: ClockRule, created: bool, **kwargs: Any) -> None:
    if created or kwargs.get("raw"):
        return
    rule_id = instance.pk

    def recompute() -> None:
        from .services import recompute_clocks_for_rule

        rule = ClockRule.objects.filter(pk=rule_id).first()
        if rule is not None:
            recompute_clocks_for_rule(rule)

    transaction.on_commit(recompute)
