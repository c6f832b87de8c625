"""Thin views of the stress test: start, answer section by section, review, results, PDF.

Access: a response is read through its private token only; every view answers 404 for an
unknown token. Pages of a response are never cached and send no referrer to other sites (the token is in
the URL). Answers are validated against the questionnaire before anything is saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clusterobs.core import stresstest as st
from clusterobs.portal import store
from clusterobs.portal.stresstest import facts, results
from clusterobs.portal.stresstest.forms import StartForm
from clusterobs.portal.stresstest.models import Response
from clusterobs.sources import questionnaire

View = Callable[..., HttpResponse]


def private(view: View) -> View:
    """Load the response of ``token`` (404 when unknown) and mark the page private."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        resp = Response.objects.select_related("owner").filter(token=token).first()
        if resp is None:
            raise Http404("No such response")
        out = view(request, resp, *args, **kwargs)
        out["Cache-Control"] = "private, no-store"
        out["Referrer-Policy"] = "same-origin"  # the token never leaves the site; POSTs keep their Origin
        out["X-Robots-Tag"] = "noindex, nofollow"
        return out

    return wrapper


def _regions() -> list[dict[str, Any]]:
    try:
        with store.cursor() as con:
            return store.memo(con, facts.region_choices)
    except Exception:  # no store: the start page says so
        return []


@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Choose region and policy; a signed-in user also sees their saved responses."""
    q = questionnaire.load()
    regions = _regions()
    form = StartForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["region"]
        resp = Response.objects.create(
            region=code, region_name=form.names.get(code, code), policy_name=form.cleaned_data["policy_name"],
            owner=request.user if request.user.is_authenticated else None, questionnaire=q.id, version=q.version)
        return redirect("stresstest:section", token=resp.token, section=q.sections[0].id)
    mine = (Response.objects.filter(owner=request.user)
            if request.user.is_authenticated else Response.objects.none())  # fmt: skip
    return render(request, "stresstest/start.html", {
        "nav": "stresstest", "q": q, "form": form, "mine": mine, "no_store": not regions,
        "n_items": len(q.items)}, status=400 if form.errors else 200)  # fmt: skip


def _posted(request: HttpRequest) -> dict[str, Any]:
    return {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "nav", "section")}


def _merge(resp: Response, section: st.Section, clean: dict[str, str], replace: bool) -> None:
    ids = {i.id for i in section.items}
    kept = {k: v for k, v in resp.answers.items() if not (replace and k in ids)}
    resp.answers = {**kept, **clean}
    resp.save(update_fields=["answers", "updated"])


def _choices(q: st.Questionnaire, item: st.Item) -> list[tuple[str, str]]:
    labels = q.labels.get(item.scale, {})
    values = st.LIKERT if item.scale == "likert" else st.YESNO
    return [(v, f"{v} · {labels.get(v, v)}" if item.scale == "likert" else labels.get(v, v)) for v in values]


def _section_page(request: HttpRequest, resp: Response, q: st.Questionnaire, section: st.Section,
                  answers: dict[str, Any], error: str | None = None) -> HttpResponse:  # fmt: skip
    ids = [s.id for s in q.sections]
    pos = ids.index(section.id)
    done, total = st.progress(q, resp.answers)
    return render(request, "stresstest/section.html", {
        "nav": "stresstest", "q": q, "r": resp, "section": section, "answers": answers, "error": error,
        "pos": pos + 1, "n_sections": len(ids), "done": done, "total": total,
        "percent": round(100 * done / total) if total else 0,
        "prev": ids[pos - 1] if pos > 0 else None, "next": ids[pos + 1] if pos + 1 < len(ids) else None,
        "steps": [(s, all(i.id in resp.answers for i in s.items)) for s in q.sections],
        "rows": [(i, answers.get(i.id), _choices(q, i)) for i in section.items],
        "dk_label": q.labels.get("dk", {}).get("dk", "Don't know"),
    }, status=400 if error else 200)  # fmt: skip


@private
@require_http_methods(["GET", "HEAD", "POST"])
def section(request: HttpRequest, resp: Response, section: str) -> HttpResponse:
    """One section of the questionnaire; POST saves it (all or nothing) and moves on."""
    q = questionnaire.load()
    if resp.is_submitted:
        return redirect("stresstest:results", token=resp.token)
    try:
        sec = q.section(section)
    except st.AnswerError:
        if request.method == "POST":
            return HttpResponse(f"Refused: unknown section {section[:20]!r}. Nothing was saved.", status=400)
        raise Http404("No such section") from None
    if request.method == "GET":
        return _section_page(request, resp, q, sec, resp.answers)
    posted = _posted(request)
    try:
        if request.POST.get("section", section) != section:
            raise st.AnswerError(f"section {request.POST.get('section', '')[:20]!r} does not match this page")
        clean = st.validate_answers(q, posted, section=section)
    except st.AnswerError as exc:
        return _section_page(request, resp, q, sec, {**resp.answers, **posted},
                             f"Refused: {exc.message}. Nothing was saved.")  # fmt: skip
    _merge(resp, sec, clean, replace=True)
    ids = [s.id for s in q.sections]
    pos = ids.index(section) + (-1 if request.POST.get("nav") == "prev" else 1)
    if 0 <= pos < len(ids):
        return redirect("stresstest:section", token=resp.token, section=ids[pos])
    return redirect("stresstest:review", token=resp.token)


@private
@require_POST
def autosave(request: HttpRequest, resp: Response) -> HttpResponse:
    """Save the answers of one section sent by fetch() as JSON: {section, answers}."""
    q = questionnaire.load()
    if resp.is_submitted:
        return JsonResponse({"message": "This response was submitted and can no longer change."}, status=409)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
            raise st.AnswerError("expected a JSON object {section, answers}")
        sec = q.section(str(body.get("section", "")))
        clean = st.validate_answers(q, body["answers"], section=sec.id)
    except (ValueError, st.AnswerError) as exc:
        message = exc.message if isinstance(exc, st.AnswerError) else "the body is not valid JSON"
        return JsonResponse({"message": f"Refused: {message}. Nothing was saved."}, status=400)
    cleared = {k for k, v in body["answers"].items() if v == ""}
    resp.answers = {k: v for k, v in resp.answers.items() if k not in cleared}
    _merge(resp, sec, clean, replace=False)
    done, total = st.progress(q, resp.answers)
    return JsonResponse({"saved": len(clean), "done": done, "total": total, "updated": resp.updated.isoformat()})


@private
def resume(request: HttpRequest, resp: Response) -> HttpResponse:
    """The private link: the first section with open questions, the review, or the results."""
    if resp.is_submitted:
        return redirect("stresstest:results", token=resp.token)
    for s in questionnaire.load().sections:
        if any(i.id not in resp.answers for i in s.items):
            return redirect("stresstest:section", token=resp.token, section=s.id)
    return redirect("stresstest:review", token=resp.token)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest, resp: Response) -> HttpResponse:
    """All answers by section with links to change them; POST submits when all are answered."""
    q = questionnaire.load()
    if resp.is_submitted:
        return redirect("stresstest:results", token=resp.token)
    missing = [i for s in q.sections for i in s.items if i.id not in resp.answers]
    if request.method == "POST" and not missing:
        answers = st.validate_answers(q, resp.answers)
        resp.scores = {s.id: s.score for s in st.section_scores(q, answers)}
        resp.status, resp.submitted = Response.Status.SUBMITTED, timezone.now()
        resp.save()
        messages.success(request, "Your answers were submitted.")
        return redirect("stresstest:results", token=resp.token)
    labels = q.labels
    rows = [(s, [(i, resp.answers.get(i.id), _label(labels, i, resp.answers.get(i.id))) for i in s.items])
            for s in q.sections]  # fmt: skip
    error = (f"{len(missing)} question(s) still open: answer them or choose “Don't know”."
             if request.method == "POST" else None)  # fmt: skip
    return render(request, "stresstest/review.html", {
        "nav": "stresstest", "q": q, "r": resp, "rows": rows, "missing": missing, "error": error,
        "link": request.build_absolute_uri(reverse("stresstest:resume", args=[resp.token]))},
        status=400 if error else 200)  # fmt: skip


def _label(labels: Any, item: st.Item, value: str | None) -> str:
    if value is None:
        return "—"
    if value == st.DONT_KNOW:
        return str(labels.get("dk", {}).get("dk", "Don't know"))
    text = labels.get(item.scale, {}).get(value, value)
    return f"{value} · {text}" if item.scale == "likert" else str(text)


@private
def results_page(request: HttpRequest, resp: Response) -> HttpResponse:
    """Scores, radar, strengths and priorities, guidance, benchmark, evidence check."""
    if not resp.is_submitted:
        return redirect("stresstest:review", token=resp.token)
    ctx = results.build(resp)
    return render(request, "stresstest/results.html", {
        "nav": "stresstest", "r": resp, **ctx,
        "link": request.build_absolute_uri(reverse("stresstest:resume", args=[resp.token]))})


@private
def pdf(request: HttpRequest, resp: Response) -> HttpResponse:
    """The results as a PDF (WeasyPrint)."""
    if not resp.is_submitted:
        raise Http404("Not submitted yet")
    from clusterobs.reports import stresstest_report

    data = stresstest_report.render_pdf(results.build(resp))
    out = HttpResponse(data, content_type="application/pdf")
    out["Content-Disposition"] = f'attachment; filename="stress-test-{resp.region}.pdf"'
    return out
