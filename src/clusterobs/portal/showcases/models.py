"""The policy case library: cases and the revision history of every change to them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from clusterobs.portal.showcases import taxonomy

# the fields a revision snapshot keeps, in form order
CONTENT_FIELDS = (
    "title", "slug", "summary", "country", "regions", "level", "policy_type", "policy_type_code",
    "instruments", "instrument_codes", "target_groups", "themes", "categories", "emerging_industries",
    "start_year", "end_year", "budget", "outcomes", "lessons", "sources", "status", "rejection_reason",
)


class Case(models.Model):
    """One cluster policy case: what was done, where, with what, and what came of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.TextField(help_text="Markdown.")
    country = models.CharField(max_length=2, db_index=True,
                               help_text="ISO 3166-1 alpha-2 code; EU for EU-level cases; GB for the UK.")
    regions = models.JSONField(default=list, blank=True, help_text="NUTS 2016 codes.")
    level = models.CharField(max_length=10, choices=list(taxonomy.LEVELS.items()), db_index=True)
    policy_type = models.CharField(max_length=300, help_text="The policy type in the case's own words.")
    policy_type_code = models.CharField(max_length=20, choices=list(taxonomy.POLICY_TYPES.items()),
                                        db_index=True)
    instruments = models.JSONField(default=list, blank=True)
    instrument_codes = models.JSONField(default=list, blank=True)
    target_groups = models.JSONField(default=list, blank=True)
    themes = models.JSONField(default=list, blank=True, help_text="Sectors or themes, in the case's own words.")
    categories = models.JSONField(default=list, blank=True, help_text="Cluster category codes (eu-clusters).")
    emerging_industries = models.JSONField(default=list, blank=True, help_text="Emerging industry codes.")
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    budget = models.TextField(blank=True, default="")
    outcomes = models.JSONField(default=list, blank=True, help_text="Markdown, one item each.")
    lessons = models.JSONField(default=list, blank=True, help_text="Markdown, one item each.")
    sources = models.JSONField(default=list, blank=True, help_text='[{"url": ..., "title": ...}]')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="showcase_cases")
    seed_id = models.CharField(max_length=120, blank=True, default="", db_index=True,
                               help_text="The id of the seed record this case was loaded from.")
    # denormalised for portable search and list filters (SQLite has no JSON containment lookup)
    search_text = models.TextField(blank=True, default="", editable=False)
    facets = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "policy case"
        verbose_name_plural = "policy cases"
        permissions = [("moderate_case", "Can review, edit, publish, reject and archive any case")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("showcases:case", args=[self.slug])

    @property
    def period(self) -> str:
        """``1990 - ongoing``, ``2007 - 2017``, or empty when no year is known."""
        if self.start_year is None and self.end_year is None:
            return ""
        start = str(self.start_year) if self.start_year else "?"
        return f"{start} - {self.end_year or 'ongoing'}"

    def snapshot(self) -> dict[str, Any]:
        """The content of the case as plain JSON values."""
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def refresh_index(self) -> None:
        """Recompute the search text and the facet string from the content."""
        parts: list[str] = [self.title, self.summary, self.policy_type, self.budget, self.country,
                            " ".join(self.regions)]
        for name in ("instruments", "target_groups", "themes", "outcomes", "lessons"):
            parts.extend(str(v) for v in getattr(self, name))
        parts.extend(str(s.get("title", "")) for s in self.sources)
        self.search_text = taxonomy.fold("\n".join(p for p in parts if p))
        tags = [f"r:{r}" for r in self.regions] + [f"i:{c}" for c in self.instrument_codes]
        tags += [f"k:{c}" for c in [*self.categories, *self.emerging_industries]]
        self.facets = "|" + "|".join(tags) + "|"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_index()
        super().save(*args, **kwargs)


class CaseRevision(models.Model):
    """One change to a case: who, when, what (field by field) and the full content after it."""

    class Action(models.TextChoices):
        SEEDED = "seeded", "Loaded from the seed file"
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="showcase_revisions")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True, default="")
    changes = models.JSONField(default=dict, blank=True, help_text="field -> [before, after]")
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="showcases_revision_number")]
        verbose_name = "case revision"
        verbose_name_plural = "case revisions"

    def __str__(self) -> str:
        return f"{self.case} #{self.number} ({self.action})"
