"""Pages for council admins to configure their protocol routes (issue #12), under /variants/.

Every page starts from `variant_services.manageable_councils(user)`: a council the user may not
configure is a 404, never a 403. Changes go through `variant_services`; a change a draft-only
service refuses (the version is published or retired) is a 409 page saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import config_io
from contacts.models import Council, Role
from protocol_site.errors import ActionNotAllowed

from . import variant_services as vs
from .models import (
    CaseType,
    ClockRule,
    ProtocolVariant,
    VariantEvent,
    VariantStatus,
    VariantStep,
)
from .variant_forms import (
    ClockForm,
    DiffForm,
    ImportForm,
    PreviewForm,
    StartDraftForm,
    StepForm,
    VariantDetailsForm,
)

View = Callable[..., HttpResponse]


# -- scoping ------------------------------------------------------------------------------------
def _council(request: HttpRequest, slug: str) -> Council:
    return get_object_or_404(vs.manageable_councils(request.user), slug=slug)


def _variant(request: HttpRequest, slug: str, pk: int) -> ProtocolVariant:
    council = _council(request, slug)
    variant = get_object_or_404(ProtocolVariant.objects.select_related("council"), pk=pk)
    if variant.council_id != council.pk:
        raise Http404("No such route.")
    return variant


def _step(variant: ProtocolVariant, step_pk: int) -> VariantStep:
    return get_object_or_404(variant.steps.prefetch_related("clocks"), pk=step_pk)


def _refused(
    request: HttpRequest,
    variant: ProtocolVariant,
    message: str,
    heading: str = "This route cannot be changed",
) -> HttpResponse:
    return render(
        request,
        "variants/refused.html",
        {"council": variant.council, "variant": variant, "message": message, "heading": heading},
        status=409,
    )


def draft_only(view: View) -> View:
    """Editing pages of a published or retired version answer 409: published routes are
    immutable, a change is a new draft."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, slug: str, pk: int, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        variant = _variant(request, slug, pk)
        if variant.status != VariantStatus.DRAFT:
            return _refused(
                request,
                variant,
                f"Version {variant.version} is {variant.get_status_display().lower()}: published "
                "routes never change, so open cases keep the ladder they started on. Start a new "
                "draft to make a change.",
            )
        try:
            return view(request, variant, *args, **kwargs)
        except ActionNotAllowed as error:
            return _refused(request, variant, str(error))

    return login_required(wrapper)


def _variant_url(variant: ProtocolVariant, name: str = "variant", **kwargs: Any) -> str:
    return reverse(
        f"variants:{name}", kwargs={"slug": variant.council.slug, "pk": variant.pk, **kwargs}
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            target = name if name in form.fields else None
            for message in messages_:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


T = TypeVar("T")


def _submit(
    request: HttpRequest,
    form: Any,
    save: Callable[[], T],
    then: Callable[[T], tuple[str, str]],
) -> HttpResponse | None:
    """On a valid POST call the service `save`. Its refusal goes on the form (None: show the
    form again); on success, `then(result)` gives the message and the page to go to."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save()
    except ValidationError as error:
        _add_errors(form, error)
        return None
    message, url = then(result)
    messages.success(request, message)
    return redirect(url)


def _step_url(variant: ProtocolVariant, step: VariantStep) -> str:
    return _variant_url(variant) + f"#step-{step.position}"


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        "form.html",
        {"form": form, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


def _draft_form(
    request: HttpRequest,
    variant: ProtocolVariant,
    form: Any,
    save: Callable[[], T],
    then: Callable[[T], tuple[str, str]],
    **page: Any,
) -> HttpResponse:
    """An edit page of a draft route: `_submit` the form, or show it (again) with the texts in
    `page` (captioned with the draft unless `page` says otherwise), going back to the route."""
    done = _submit(request, form, save, then)
    if done is not None:
        return done
    page.setdefault("caption", f"{variant.council.name}: version {variant.version} (draft)")
    return _form_page(
        request,
        form,
        council=variant.council,
        variant=variant,
        back=_variant_url(variant),
        **page,
    )


# -- lists --------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    councils = list(
        vs.manageable_councils(request.user).select_related("monitoring_officer_council")
    )
    may_create = vs.may_create_councils(request.user)
    if not councils and not may_create:
        raise Http404("No councils to configure.")
    return render(
        request,
        "variants/index.html",
        {"councils": councils, "may_create": may_create},
    )


@login_required
@require_GET
def council_routes(request: HttpRequest, slug: str) -> HttpResponse:
    council = _council(request, slug)
    variants = list(council.variants.prefetch_related("steps").order_by("case_type", "-version"))
    routes = []
    for case_type in CaseType:
        versions = [v for v in variants if v.case_type == case_type]
        routes.append(
            {
                "case_type": case_type,
                "published": next(
                    (v for v in versions if v.status == VariantStatus.PUBLISHED), None
                ),
                "drafts": [v for v in versions if v.status == VariantStatus.DRAFT],
                "retired": [v for v in versions if v.status == VariantStatus.RETIRED],
            }
        )
    events = VariantEvent.objects.filter(council=council).select_related("variant")[:25]
    return render(
        request,
        "variants/council.html",
        {"council": council, "routes": routes, "events": events},
    )


# -- starting a draft ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def start_draft(request: HttpRequest, slug: str) -> HttpResponse:
    council = _council(request, slug)
    versions = council.variants.order_by("case_type", "-version")
    initial = {k: request.GET[k] for k in ("case_type", "source") if k in request.GET}
    form = StartDraftForm(request.POST or None, versions=versions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draft = vs.start_draft(
                council=council,
                case_type=form.cleaned_data["case_type"],
                actor=request.user,
                source=form.cleaned_data["source_variant"],
            )
        except ActionNotAllowed as error:
            form.add_error("case_type", str(error))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Draft version {draft.version} started.")
            return redirect(_variant_url(draft))
    return _form_page(
        request,
        form,
        council=council,
        title="Start a draft route",
        caption=council.name,
        button="Start the draft",
        back=reverse("variants:council", args=[council.slug]),
    )


# -- one version --------------------------------------------------------------------------------
@login_required
@require_GET
def variant_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    variant = _variant(request, slug, pk)
    steps = list(variant.steps.prefetch_related("clocks").order_by("position"))
    problems = vs.variant_problems(variant) if variant.status == VariantStatus.DRAFT else []
    others = variant.council.variants.filter(case_type=variant.case_type).exclude(pk=variant.pk)
    events = variant.events.all()[:10]
    return render(
        request,
        "variants/variant.html",
        {
            "council": variant.council,
            "variant": variant,
            "steps": [
                {
                    "step": s,
                    "clocks": [(c, vs.describe_clock(c)) for c in s.clocks.all()],
                    "informs": [Role(r).label for r in s.inform_roles or []],
                    "subject_rules": vs.describe_subject_rules(s.subject_rules or []),
                }
                for s in steps
            ],
            "editable": variant.status == VariantStatus.DRAFT,
            "problems": problems,
            "others": others.order_by("-version"),
            "events": events,
        },
    )


@draft_only
@require_http_methods(["GET", "POST"])
def edit_details(request: HttpRequest, variant: ProtocolVariant) -> HttpResponse:
    form = VariantDetailsForm(
        request.POST or None, instance=ProtocolVariant.objects.get(pk=variant.pk)
    )
    return _draft_form(
        request,
        variant,
        form,
        lambda: vs.update_variant_details(
            variant=variant, actor=request.user, data=form.cleaned_data
        ),
        lambda _: ("Route details saved.", _variant_url(variant)),
        title="Route details",
        button="Save",
    )


def _taken_states(variant: ProtocolVariant, exclude: int | None = None) -> dict[str, int]:
    return {s.state: s.position for s in variant.steps.exclude(pk=exclude or 0)}


@draft_only
@require_http_methods(["GET", "POST"])
def add_step(request: HttpRequest, variant: ProtocolVariant) -> HttpResponse:
    form = StepForm(request.POST or None, taken_states=_taken_states(variant))
    return _draft_form(
        request,
        variant,
        form,
        lambda: vs.add_step(variant=variant, actor=request.user, data=form.cleaned_data),
        lambda step: (f"Step {step.position} added: {step.label}", _step_url(variant, step)),
        title="Add a step",
        intro="The new step goes at the end of the ladder; move it up afterwards.",
        button="Add the step",
    )


@draft_only
@require_http_methods(["GET", "POST"])
def edit_step(request: HttpRequest, variant: ProtocolVariant, step_pk: int) -> HttpResponse:
    step = _step(variant, step_pk)
    initial = {name: getattr(step, name) for name in vs.STEP_FIELDS}
    form = StepForm(
        request.POST or None, initial=initial, taken_states=_taken_states(variant, step.pk)
    )
    return _draft_form(
        request,
        variant,
        form,
        lambda: vs.update_step(step=step, actor=request.user, data=form.cleaned_data),
        lambda _: (f"Step {step.position} saved.", _step_url(variant, step)),
        title=f"Change step {step.position}",
        button="Save the step",
    )


@draft_only
@require_POST
def move_step(request: HttpRequest, variant: ProtocolVariant, step_pk: int) -> HttpResponse:
    step = _step(variant, step_pk)
    direction = request.POST.get("direction", "")
    try:
        moved = vs.move_step(step=step, actor=request.user, direction=direction)
    except ValidationError:
        return _refused(request, variant, "Move a step up or down.")
    messages.success(request, f"“{moved.label}” is now step {moved.position}.")
    return redirect(_variant_url(variant) + f"#step-{moved.position}")


def _with_clocks(count: int) -> str:
    return "" if count == 0 else f", with its {count} clock{'s' if count > 1 else ''},"


def _confirm(
    request: HttpRequest,
    variant: ProtocolVariant,
    *,
    heading: str,
    detail: str,
    button: str,
    back: str,
) -> HttpResponse | None:
    """Irreversible steps ask first: a page saying what goes, with one button to do it. None
    once the user has confirmed (the POST carries confirmed=yes)."""
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        return None
    return render(
        request,
        "variants/confirm.html",
        {
            "council": variant.council,
            "variant": variant,
            "heading": heading,
            "detail": detail,
            "button": button,
            "back": back,
        },
    )


@draft_only
@require_http_methods(["GET", "POST"])
def remove_step(request: HttpRequest, variant: ProtocolVariant, step_pk: int) -> HttpResponse:
    step = _step(variant, step_pk)
    asked = _confirm(
        request,
        variant,
        heading=f"Remove step {step.position}, {step.label}?",
        detail=f"Step {step.position}{_with_clocks(step.clocks.count())} is removed from this "
        "draft; the steps after it move up.",
        button="Yes, remove the step",
        back=_variant_url(variant) + f"#step-{step.position}",
    )
    if asked is not None:
        return asked
    vs.remove_step(step=step, actor=request.user)
    messages.success(request, f"Step {step.position} removed: {step.label}")
    return redirect(_variant_url(variant))


@draft_only
@require_http_methods(["GET", "POST"])
def add_clock(request: HttpRequest, variant: ProtocolVariant, step_pk: int) -> HttpResponse:
    step = _step(variant, step_pk)
    form = ClockForm(
        request.POST or None,
        taken_kinds={c.kind for c in step.clocks.all()},
        step_position=step.position,
    )
    return _draft_form(
        request,
        variant,
        form,
        lambda: vs.add_clock(step=step, actor=request.user, data=form.cleaned_data),
        lambda _: (f"Clock added to step {step.position}.", _step_url(variant, step)),
        title=f"Add a clock to step {step.position}",
        caption=step.label,
        intro="The clock starts when a case reaches this step.",
        button="Add the clock",
    )


def _clock(step: VariantStep, clock_pk: int) -> ClockRule:
    return get_object_or_404(ClockRule, pk=clock_pk, step=step)


@draft_only
@require_http_methods(["GET", "POST"])
def edit_clock(
    request: HttpRequest, variant: ProtocolVariant, step_pk: int, clock_pk: int
) -> HttpResponse:
    step = _step(variant, step_pk)
    clock = _clock(step, clock_pk)
    initial = {name: getattr(clock, name) for name in vs.CLOCK_FIELDS}
    form = ClockForm(
        request.POST or None,
        initial=initial,
        taken_kinds={c.kind for c in step.clocks.all() if c.pk != clock.pk},
        step_position=step.position,
    )
    return _draft_form(
        request,
        variant,
        form,
        lambda: vs.update_clock(clock=clock, actor=request.user, data=form.cleaned_data),
        lambda _: (f"Clock on step {step.position} saved.", _step_url(variant, step)),
        title=f"Change a clock on step {step.position}",
        caption=step.label,
        button="Save the clock",
    )


@draft_only
@require_http_methods(["GET", "POST"])
def remove_clock(
    request: HttpRequest, variant: ProtocolVariant, step_pk: int, clock_pk: int
) -> HttpResponse:
    step = _step(variant, step_pk)
    clock = _clock(step, clock_pk)
    asked = _confirm(
        request,
        variant,
        heading=f"Remove the {clock.get_kind_display().lower()} clock from step {step.position}?",
        detail=f"Cases reaching “{step.label}” under this version will not have this clock.",
        button="Yes, remove the clock",
        back=_variant_url(variant) + f"#step-{step.position}",
    )
    if asked is not None:
        return asked
    vs.remove_clock(clock=clock, actor=request.user)
    messages.success(request, f"Clock removed from step {step.position}.")
    return redirect(_variant_url(variant) + f"#step-{step.position}")


@draft_only
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, variant: ProtocolVariant) -> HttpResponse:
    current = variant.council.variants.filter(
        case_type=variant.case_type, status=VariantStatus.PUBLISHED
    ).first()
    problems = vs.variant_problems(variant)
    errors: list[str] = []
    if request.method == "POST":
        try:
            vs.publish_draft(variant=variant, actor=request.user)
        except ValidationError as error:
            errors = list(error.messages)
        else:
            messages.success(
                request,
                f"Version {variant.version} published."
                + (
                    f" Version {current.version} is retired; its open cases keep it."
                    if current
                    else ""
                ),
            )
            return redirect(_variant_url(variant))
    return render(
        request,
        "variants/publish.html",
        {
            "council": variant.council,
            "variant": variant,
            "current": current,
            "problems": problems,
            "errors": errors,
            "diff": vs.diff_variants(current, variant) if current else None,
            "open_cases": current.cases.exclude(state__in=["resolved", "withdrawn"]).count()
            if current
            else 0,
        },
        status=400 if errors else 200,
    )


@draft_only
@require_http_methods(["GET", "POST"])
def discard(request: HttpRequest, variant: ProtocolVariant) -> HttpResponse:
    council = variant.council
    version = variant.version
    asked = _confirm(
        request,
        variant,
        heading=f"Discard draft version {version}?",
        detail="Every change in this draft is lost. The published version is not affected; "
        "the draft's history is kept.",
        button="Yes, discard the draft",
        back=_variant_url(variant),
    )
    if asked is not None:
        return asked
    vs.discard_draft(variant=variant, actor=request.user)
    messages.success(request, f"Draft version {version} discarded.")
    return redirect("variants:council", slug=council.slug)


# -- reading: preview and diff ------------------------------------------------------------------
@login_required
@require_GET
def preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    variant = _variant(request, slug, pk)
    people = variant.council.people.filter(anonymised_at__isnull=True).order_by("kind", "name")
    form = PreviewForm(
        request.GET or None, people=people, services=variant.council.services.order_by("name")
    )
    raised_by = about = service = None
    if form.is_bound and form.is_valid():
        raised_by, about = form.cleaned_data.get("raised_by"), form.cleaned_data.get("about")
        service = form.cleaned_data.get("service")
    rows = vs.preview_variant(variant=variant, raised_by=raised_by, about=about, service=service)
    return render(
        request,
        "variants/preview.html",
        {
            "council": variant.council,
            "variant": variant,
            "form": form,
            "rows": rows,
            "raised_by": raised_by,
            "about": about,
            "service": service,
            "today": timezone.localdate(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def diff(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    variant = _variant(request, slug, pk)
    versions = list(
        variant.council.variants.filter(case_type=variant.case_type)
        .exclude(pk=variant.pk)
        .order_by("-version")
    )
    if not versions:
        return _refused(
            request,
            variant,
            "There is no other version of this route to compare with yet.",
            heading="Nothing to compare",
        )
    default = next((v for v in versions if v.status == VariantStatus.PUBLISHED), versions[0])
    form = DiffForm(request.GET or None, versions=versions, initial={"against": default.pk})
    against = default
    if form.is_bound:
        if not form.is_valid():
            raise Http404("No such version.")
        against = next(v for v in versions if str(v.pk) == form.cleaned_data["against"])
    old, new = (against, variant) if against.version < variant.version else (variant, against)
    return render(
        request,
        "variants/diff.html",
        {
            "council": variant.council,
            "variant": variant,
            "form": form,
            "diff": vs.diff_variants(old, new),
        },
    )


# -- import and export --------------------------------------------------------------------------
@login_required
@require_GET
def export(request: HttpRequest, slug: str) -> HttpResponse:
    council = _council(request, slug)
    text = config_io.dump_yaml(
        config_io.export_council(council),
        header=f"{council.name}: Protocol configuration, exported "
        f"{timezone.localtime():%d %B %Y %H:%M}.",
    )
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{council.slug}.yaml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_config(request: HttpRequest, slug: str) -> HttpResponse:
    council = _council(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        file_slug = (
            (data.get("council") or {}).get("slug")
            if isinstance(data.get("council"), dict)
            else None
        )
        if file_slug != council.slug:
            form.add_error(
                "file",
                f"This file configures “{file_slug or 'no council'}”, not {council.name} "
                f"(“{council.slug}”): import it into that council instead.",
            )
        else:
            try:
                vs.import_council_config(council=council, data=data, actor=request.user)
            except ValidationError as error:
                problems = [
                    (path, message)
                    for path, messages_ in error.message_dict.items()
                    for message in messages_
                ]
                form.add_error("file", "The file has problems: nothing was imported. See below.")
            else:
                messages.success(request, f"{council.name}'s configuration imported.")
                return redirect("variants:council", slug=council.slug)
    return render(
        request,
        "variants/import.html",
        {"council": council, "form": form, "problems": problems},
        status=400 if form.is_bound and form.errors else 200,
    )
