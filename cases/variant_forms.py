"""Forms for the variant editor (issue #12). They collect and check input; services do the work."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.db.models import QuerySet

from contacts.config_io import UnsafeYAML, safe_load_yaml
from contacts.models import Person, Role, Service

from .models import (
    ESCALATION_STATES,
    CaseType,
    Channel,
    ClockCalendar,
    ClockKind,
    ClockUnit,
    ProtocolVariant,
)

MAX_IMPORT_BYTES = 1_000_000


class StartDraftForm(forms.Form):
    case_type = forms.ChoiceField(
        choices=CaseType.choices,
        widget=forms.RadioSelect,
        label="Which kind of case is the route for?",
        error_messages={"required": "Select the kind of case"},
    )
    source = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Start from",
        error_messages={"required": "Select a version to copy, or a blank route"},
    )

    def __init__(self, *args: Any, versions: QuerySet[ProtocolVariant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {str(v.pk): v for v in versions}
        choices = [("blank", "A blank route (add the steps yourself)")]
        choices += [
            (
                str(v.pk),
                f"Copy of {v.get_case_type_display()}, version {v.version} "
                f"({v.get_status_display().lower()})",
            )
            for v in versions
        ]
        self.fields["source"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = data.get("source")
        if source and source != "blank":
            variant = self.versions[source]
            if data.get("case_type") and variant.case_type != data["case_type"]:
                self.add_error(
                    "source",
                    f"Version {variant.version} is a route for "
                    f"{variant.get_case_type_display().lower()}: copy a route for the same kind "
                    "of case, or start blank.",
                )
            data["source_variant"] = variant
        else:
            data["source_variant"] = None
        return data


class VariantDetailsForm(forms.ModelForm):
    class Meta:
        model = ProtocolVariant
        fields = [
            "title",
            "protocol_reference",
            "parties_may_escalate",
            "auto_acknowledge",
            "informal_wording_check",
            "office_hours_cutoff",
            "informed_view",
        ]
        labels = {
            "title": "Title of the route",
            "protocol_reference": "Where your protocol sets it out",
            "parties_may_escalate": "The person who raised a case may escalate it themself",
            "auto_acknowledge": "Send the emailed-concern acknowledgement automatically",
            "informal_wording_check": "Warn when informal notes use words like “investigation”",
            "office_hours_cutoff": "Office-hours cut-off (optional)",
            "informed_view": "What the people a step keeps informed can read",
        }
        help_texts = {
            "informed_view": "They can open the case from the email they get, read-only.",
            "office_hours_cutoff": "For example, 17:00. Leave empty to count every clock from "
            "the day a concern arrives, as the law counts FOI requests. If you set a time, a "
            "concern received at or after it, or on a weekend, bank holiday or closure day, "
            "counts as received on the next working day, so your own working-day clocks (such as "
            "the acknowledgement) end a working day later. It never applies to FOI or "
            "internal-review clocks, or to clocks on the all-UK calendar.",
        }
        widgets = {"office_hours_cutoff": forms.TimeInput(format="%H:%M")}
        error_messages = {
            "title": {"required": "Enter a title for the route"},
            "office_hours_cutoff": {"invalid": "Enter the cut-off as a time, like 17:00"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "17:00", as the hint asks for it, rather than the time's "17:00:00".
        cutoff = self.initial.get("office_hours_cutoff")
        if cutoff is not None and hasattr(cutoff, "strftime"):
            self.initial["office_hours_cutoff"] = cutoff.strftime("%H:%M")


class StepForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ESCALATION_STATES],
        label="Rung",
        help_text="The kind of rung this is. Each rung appears once in a ladder.",
        error_messages={"required": "Select the rung"},
    )
    label = forms.CharField(
        max_length=300,
        label="Label, in your council's words",
        help_text="For example, “The Leader of the Council, who seeks the Head of Paid "
        "Service's feedback”.",
        error_messages={"required": "Enter the label in your council's words"},
    )
    handler_role = forms.ChoiceField(
        choices=Role.choices,
        label="Who handles it",
        error_messages={"required": "Select who handles this step"},
    )
    inform_roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who is kept informed",
        help_text="Select all that apply.",
    )
    participant_roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who may be brought in to help (optional)",
        help_text="For example Maldon 2.1: the Leader of the Council / Opposition Leader, where "
        "necessary. Whoever answers the step chooses; the person brought in reads the case.",
    )
    subject_responds = forms.BooleanField(
        required=False,
        label="The officer the case is about answers this step",
        help_text="For example Maldon 2.2: the officer concerned is told when the case opens and "
        "acknowledges and responds to the member; the handler assists.",
    )
    protocol_reference = forms.CharField(
        max_length=100,
        required=False,
        label="Protocol reference (optional)",
        help_text="For example, 2.3",
    )
    guidance = forms.CharField(
        required=False, widget=forms.Textarea, label="Guidance for the handler (optional)"
    )
    # Issue #20: "when the case is about the holder of role X, this step goes to Y".
    subject_role = forms.ChoiceField(
        choices=[("", "Nobody in particular"), *Role.choices],
        required=False,
        label="When the case is about the holder of (optional)",
        help_text="For example, Hounslow 11.2: a complaint about the Chief Executive.",
    )
    subject_handler_role = forms.ChoiceField(
        choices=[("", "Choose a role"), *Role.choices],
        required=False,
        label="…this step goes to",
        help_text="For example, the Monitoring Officer.",
    )
    subject_reference = forms.CharField(
        max_length=100,
        required=False,
        label="Protocol reference for that rule (optional)",
        help_text="For example, Hounslow 11.2",
    )

    def __init__(self, *args: Any, taken_states: dict[str, int], **kwargs: Any) -> None:
        initial = kwargs.get("initial")
        if initial and initial.get("subject_rules"):
            rule = initial["subject_rules"][0]
            initial.setdefault("subject_role", rule.get("subject_role", ""))
            initial.setdefault("subject_handler_role", rule.get("handler_role", ""))
            initial.setdefault("subject_reference", rule.get("protocol_reference", ""))
        super().__init__(*args, **kwargs)
        self.taken_states = taken_states

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        about, to = data.get("subject_role"), data.get("subject_handler_role")
        if about and not to:
            self.add_error("subject_handler_role", "Select who handles the step for that subject")
        elif to and not about:
            self.add_error("subject_role", "Select whose cases the rule is about")
        elif about and about == to:
            self.add_error("subject_handler_role", "Choose a role other than the subject's")
        rules = []
        if about and to and about != to:
            rule = {"subject_role": about, "handler_role": to}
            if data.get("subject_reference"):
                rule["protocol_reference"] = data["subject_reference"]
            rules.append(rule)
        data["subject_rules"] = rules
        return data

    def clean_state(self) -> str:
        state: str = self.cleaned_data["state"]
        if state in self.taken_states:
            label = dict(self.fields["state"].choices)[state]  # type: ignore[attr-defined]
            raise forms.ValidationError(
                f"Step {self.taken_states[state]} already uses the rung “{label}”: each rung "
                "appears once in a ladder."
            )
        return state


class ClockForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ClockKind.choices,
        widget=forms.RadioSelect,
        label="Which clock",
        error_messages={"required": "Select which clock"},
    )
    length = forms.IntegerField(
        label="Length in days",
        min_value=1,
        max_value=366,
        error_messages={
            "required": "Enter how many days the clock runs for",
            "invalid": "Enter the length as a whole number of days, like 7",
            "min_value": "A clock must run for at least 1 day",
            "max_value": "A clock cannot run for more than 366 days",
        },
    )
    unit = forms.ChoiceField(
        choices=ClockUnit.choices,
        widget=forms.RadioSelect,
        label="Counted in",
        error_messages={"required": "Select calendar days or working days"},
    )
    calendar = forms.ChoiceField(
        choices=ClockCalendar.choices,
        widget=forms.RadioSelect,
        initial=ClockCalendar.COUNCIL,
        label="Which bank holidays count (working days only)",
        error_messages={"required": "Select which bank holidays count"},
    )
    only_channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices],
        required=False,
        label="Start only for cases received by",
        help_text="Maldon 2.2: the acknowledgement clock runs only for concerns raised by email.",
    )
    protocol_reference = forms.CharField(
        max_length=100, required=False, label="Protocol reference (optional)"
    )

    def __init__(self, *args: Any, taken_kinds: set[str], step_position: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.taken_kinds = taken_kinds
        self.step_position = step_position

    def clean_kind(self) -> str:
        kind: str = self.cleaned_data["kind"]
        if kind in self.taken_kinds:
            raise forms.ValidationError(
                f"Step {self.step_position} already has a {ClockKind(kind).label.lower()} clock: "
                "change that one instead."
            )
        return kind


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:  # type: ignore[override]
        kind = obj.job_title or obj.get_kind_display()
        return f"{obj.name} ({kind})"


class PreviewForm(forms.Form):
    raised_by = PersonChoice(
        queryset=Person.objects.none(),
        required=False,
        label="Sample raiser",
        empty_label="Nobody in particular",
    )
    about = PersonChoice(
        queryset=Person.objects.none(),
        required=False,
        label="Sample subject (who it is about)",
        empty_label="Nobody in particular",
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Sample service (the service the case belongs to)",
        help_text="Leave blank to use the service of the officer the case is about (or who "
        "raised it).",
        empty_label="The officer's own service",
        to_field_name="slug",
    )

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        services: QuerySet[Service] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].queryset = people  # type: ignore[attr-defined]
        self.fields["about"].queryset = people  # type: ignore[attr-defined]
        if services is not None:
            self.fields["service"].queryset = services  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("raised_by") and data.get("raised_by") == data.get("about"):
            self.add_error("about", "Choose someone other than the raiser")
        return data


class DiffForm(forms.Form):
    against = forms.ChoiceField(label="Compare with", required=True)

    def __init__(self, *args: Any, versions: list[ProtocolVariant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["against"].choices = [  # type: ignore[attr-defined]
            (str(v.pk), f"Version {v.version} ({v.get_status_display().lower()})") for v in versions
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a configuration file",
        help_text="A YAML file exported from Protocol (at most 1 MB).",
        error_messages={"required": "Select a YAML file to import"},
    )

    def clean_file(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        try:
            data = safe_load_yaml(upload.read(MAX_IMPORT_BYTES + 1).decode("utf-8"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file must be text (UTF-8 YAML)") from error
        except UnsafeYAML as error:
            raise forms.ValidationError(str(error)) from error
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise forms.ValidationError(f"The file is not valid YAML{where}") from error
        if not isinstance(data, dict):
            raise forms.ValidationError("The file must hold a council's configuration (a mapping)")
        return data
