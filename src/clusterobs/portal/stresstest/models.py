"""Saved stress-test responses: one row per response, answers as a validated JSON mapping.

A response is found by its private token (``secrets.token_urlsafe``, 32 characters, about
192 bits): the token is the private link. Its owner (when signed in) finds it in the
account's list. Section scores are stored on submission for the anonymised benchmark.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_token() -> str:
    """An unguessable private-link token (about 192 random bits)."""
    return secrets.token_urlsafe(24)


class Response(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.CASCADE, related_name="stresstest_responses")
    region = models.CharField(max_length=12, help_text="NUTS 2016 code")
    region_name = models.CharField(max_length=200, blank=True)
    policy_name = models.CharField(max_length=200)
    questionnaire = models.CharField(max_length=40, default="stresstest")
    version = models.PositiveIntegerField(default=1)
    answers = models.JSONField(default=dict, blank=True, help_text="question id -> answer value")
    scores = models.JSONField(null=True, blank=True, help_text="section id -> 0-10 score, on submission")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    submitted = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated"]
        indexes = [models.Index(fields=["status", "questionnaire", "version"])]

    def __str__(self) -> str:
        return f"{self.policy_name} ({self.region}, {self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
