"""The case form (members submit, moderators edit) and the rejection form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from clusterobs.portal.showcases import rendering, seed, taxonomy
from clusterobs.portal.showcases.models import Case

LIST_FIELDS = ("regions", "instruments", "target_groups", "themes", "outcomes", "lessons")
CODE_FIELDS = ("categories", "emerging_industries")
HELP = {
    "regions": "NUTS 2016 codes, one per line or separated by commas (e.g. ES21). Leave empty for national cases.",
    "instruments": "One per line.", "target_groups": "One per line.", "themes": "Sectors or themes, one per line.",
    "outcomes": "Results stated by the sources, one per line (Markdown).",
    "lessons": "Lessons drawn by the sources, one per line (Markdown).",
    "sources": "One per line: the address, a space, a vertical bar, a space, then the title. "
               "Example: https://example.org/report | Evaluation report 2020",
    "categories": "Cluster category codes (eu-clusters), separated by commas; empty: derived from the themes.",
    "emerging_industries": "Emerging industry codes, separated by commas; empty: derived from the themes.",
}


def _lines(text: str, *, split_commas: bool = False) -> list[str]:
    parts = re.split(r"[\n,]" if split_commas else r"\n", text or "")
    return [p.strip() for p in parts if p.strip()]


class CaseForm(forms.ModelForm):
    """All content fields; lists are edited one item per line, sources as ``url | title`` lines."""

    regions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    instruments = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    target_groups = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    themes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcomes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    lessons = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sources = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.CharField(required=False)
    emerging_industries = forms.CharField(required=False)
    instrument_codes = forms.MultipleChoiceField(
        required=False, choices=list(taxonomy.INSTRUMENTS.items()), widget=forms.CheckboxSelectMultiple,
        label="Kinds of instrument", help_text="Empty: derived from the instruments.")
    policy_type_code = forms.ChoiceField(choices=[("", "derive from the policy type"),
                                                  *taxonomy.POLICY_TYPES.items()],
                                         required=False, label="Kind of policy")

    class Meta:
        model = Case
        fields = ["title", "summary", "country", "regions", "level", "policy_type", "policy_type_code",
                  "instruments", "instrument_codes", "target_groups", "themes", "categories",
                  "emerging_industries", "start_year", "end_year", "budget", "outcomes", "lessons", "sources"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 8}), "budget": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"summary": "Markdown. Paraphrase the sources; links must be http(s)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in HELP.items():
            self.fields[name].help_text = text
        case = self.instance
        if case.pk:
            for name in LIST_FIELDS:
                self.initial[name] = "\n".join(getattr(case, name))
            for name in CODE_FIELDS:
                self.initial[name] = ", ".join(getattr(case, name))
            self.initial["sources"] = "\n".join(f"{s['url']} | {s['title']}" for s in case.sources)

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValidationError("Enter an ISO 3166-1 alpha-2 code such as ES, or EU for EU-level cases.")
        return value

    def clean_regions(self) -> list[str]:
        codes = [c.upper() for c in _lines(self.cleaned_data["regions"], split_commas=True)]
        bad = [c for c in codes if not seed.NUTS.match(c)]
        if bad:
            raise ValidationError(f"Not NUTS codes: {', '.join(bad)}")
        return codes

    def clean_sources(self) -> list[dict[str, str]]:
        out = []
        for n, line in enumerate(_lines(self.cleaned_data["sources"]), start=1):
            url, _, title = (p.strip() for p in line.partition("|"))
            if rendering.safe_url(url) is None:
                raise ValidationError(f"Line {n}: {url[:80]!r} is not an http(s) address.")
            out.append({"url": url, "title": title or url})
        if not out:
            raise ValidationError("Give at least one public source.")
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("instruments", "target_groups", "themes", "outcomes", "lessons"):
            if name in data:
                data[name] = _lines(data[name])
        for name in CODE_FIELDS:
            if name in data:
                codes = _lines(data[name], split_commas=True)
                bad = [c for c in codes if not re.fullmatch(r"[A-Za-z0-9-]{1,40}", c)]
                if bad:
                    self.add_error(name, f"Not category codes: {', '.join(bad)}")
                data[name] = codes
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "The end year is before the start year.")
        policy_type = data.get("policy_type", "")
        if not data.get("policy_type_code"):
            data["policy_type_code"] = taxonomy.policy_type_code(policy_type)
        if not data.get("instrument_codes"):
            data["instrument_codes"] = taxonomy.instrument_codes(data.get("instruments", []), policy_type)
        cats, emerging = taxonomy.category_codes(data.get("themes", []))
        data["categories"] = data.get("categories") or cats
        data["emerging_industries"] = data.get("emerging_industries") or emerging
        return data

    def save(self, commit: bool = True) -> Case:
        case = super().save(commit=False)
        for name in (*LIST_FIELDS, *CODE_FIELDS, "sources", "instrument_codes", "policy_type_code"):
            setattr(case, name, self.cleaned_data[name])
        if not case.slug:
            case.slug = unique_slug(case.title)
        if commit:
            case.save()
        return case


def unique_slug(title: str) -> str:
    """A slug of *title* not used by another case."""
    base = slugify(title)[:100] or "case"
    slug, n = base, 1
    while Case.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="The author sees this reason; say what to change.")
