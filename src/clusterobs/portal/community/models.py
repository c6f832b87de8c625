"""Models of the meeting space: profiles, contacts, events, discussions, moderation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

USER = settings.AUTH_USER_MODEL

PUBLIC, MEMBERS, NOBODY = "public", "members", "nobody"
VISIBILITY = [(PUBLIC, "Everyone"), (MEMBERS, "Signed-in members"), (NOBODY, "Nobody")]
ROLES = [
    ("policy-maker", "Policy-maker"),
    ("cluster-manager", "Cluster manager"),
    ("researcher", "Researcher"),
    ("business-support", "Business support"),
    ("other", "Other"),
]
TIME_ZONES = sorted((z, z) for z in available_timezones() if "/" in z or z == "UTC")
#: profile fields whose visibility each member chooses (field -> visibility attribute)
PRIVATE_FIELDS = {
    "organisation": "vis_organisation",
    "role": "vis_role",
    "location": "vis_location",
    "interests": "vis_interests",
    "offers": "vis_offers",
}


def _vis(default: str = MEMBERS) -> models.CharField:
    return models.CharField(max_length=8, choices=VISIBILITY, default=default)


class Profile(models.Model):
    """What a member tells about themselves, and who may see each part."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="community_profile")
    display_name = models.CharField(max_length=80, blank=True)
    organisation = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=20, choices=ROLES, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO code as in NUTS, e.g. DE")
    region = models.CharField(max_length=9, blank=True, help_text="NUTS 2016 code, e.g. DE21")
    categories = models.JSONField(default=list, blank=True, help_text="eu-clusters category codes")
    emerging = models.JSONField(default=list, blank=True, help_text="emerging industry codes")
    offers = models.TextField(blank=True, max_length=1000)
    seeks = models.TextField(blank=True, max_length=1000)
    vis_profile = _vis(PUBLIC)
    vis_organisation = _vis(PUBLIC)
    vis_role = _vis(PUBLIC)
    vis_location = _vis(MEMBERS)
    vis_interests = _vis(MEMBERS)
    vis_offers = _vis(MEMBERS)
    email_consent = models.BooleanField(
        default=False, help_text="Show my email address to members whose contact request I accepted")
    approved_organiser = models.BooleanField(default=False, help_text="May publish events without review")
    banned = models.BooleanField(default=False)
    ban_reason = models.CharField(max_length=200, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or f"Member {self.user_id}"

    @classmethod
    def of(cls, user: Any) -> Profile:
        """The user's profile, created on first need."""
        profile, _ = cls.objects.get_or_create(user=user)
        return profile

    def visible(self, field: str, viewer: Any) -> bool:
        """May *viewer* (a user, possibly anonymous) see *field* of this profile?"""
        if viewer is not None and viewer.is_authenticated and viewer.pk == self.user_id:
            return True
        level = getattr(self, PRIVATE_FIELDS[field]) if field in PRIVATE_FIELDS else self.vis_profile
        if self.vis_profile == NOBODY or level == NOBODY:
            return False
        member = viewer is not None and viewer.is_authenticated
        return (level == PUBLIC and self.vis_profile == PUBLIC) or member

    def card(self, viewer: Any) -> dict[str, Any]:
        """The fields *viewer* may see, as a dict (absent when hidden)."""
        out: dict[str, Any] = {"id": self.pk, "name": self.name}
        if self.visible("organisation", viewer):
            out["organisation"] = self.organisation
        if self.visible("role", viewer):
            out["role"] = self.get_role_display() if self.role else ""
        if self.visible("location", viewer):
            out["country"], out["region"] = self.country, self.region
        if self.visible("interests", viewer):
            out["categories"], out["emerging"] = list(self.categories), list(self.emerging)
        if self.visible("offers", viewer):
            out["offers"], out["seeks"] = self.offers, self.seeks
        return out


class ContactRequest(models.Model):
    """A member asks another to get in touch; emails are revealed only after acceptance."""

    PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="contacts_sent")
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="contacts_received")
    message = models.TextField(max_length=1000)
    status = models.CharField(max_length=8, default=PENDING,
                              choices=[(PENDING, "Pending"), (ACCEPTED, "Accepted"), (DECLINED, "Declined")])
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id} ({self.status})"

    def email_of(self, user: Any) -> str | None:
        """The email of *user* (a party of this request) if accepted and they consented."""
        if self.status != self.ACCEPTED:
            return None
        return user.email if Profile.of(user).email_consent else None


class Event(models.Model):
    """An online or on-site event; start and end are aware, shown in the event's time zone."""

    title = models.CharField(max_length=150)
    description = models.TextField(blank=True, help_text="Markdown")
    online = models.BooleanField(default=True)
    location = models.CharField(max_length=200, blank=True, help_text="address, or the link for online events")
    start = models.DateTimeField()
    end = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="Europe/Brussels", help_text="IANA zone, e.g. Europe/Madrid")
    capacity = models.PositiveIntegerField(default=50)
    organiser = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="organised_events")
    approved = models.BooleanField(default=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        permissions = [("moderate_community", "Can moderate the community")]

    def __str__(self) -> str:
        return self.title

    def confirmed(self) -> models.QuerySet[Registration]:
        return self.registrations.filter(status=Registration.CONFIRMED)

    def places_left(self) -> int:
        return max(0, self.capacity - self.confirmed().count())

    def register(self, user: Any) -> Registration:
        """Register *user*: confirmed while places remain, else on the waiting list."""
        with transaction.atomic():
            reg, created = Registration.objects.select_for_update().get_or_create(
                event=self, user=user, defaults={"status": Registration.WAITING})
            if created or reg.status == Registration.CANCELLED:
                reg.status = Registration.CONFIRMED if self.places_left() > 0 else Registration.WAITING
                reg.created_at = timezone.now()
                reg.save()
        return reg

    def cancel(self, user: Any) -> Registration | None:
        """Cancel *user*'s registration; the first on the waiting list takes a freed place."""
        with transaction.atomic():
            reg = Registration.objects.select_for_update().filter(event=self, user=user).first()
            if reg is None or reg.status == Registration.CANCELLED:
                return None
            was_confirmed = reg.status == Registration.CONFIRMED
            reg.status = Registration.CANCELLED
            reg.save()
            if was_confirmed and self.places_left() > 0:
                nxt = self.registrations.filter(status=Registration.WAITING).order_by("created_at", "id").first()
                if nxt is not None:
                    nxt.status = Registration.CONFIRMED
                    nxt.save()
                    Notification.objects.create(user=nxt.user, text=f"A place opened up: you are now registered for {self.title}.",
                                                url=f"/events/{self.pk}/")
        return reg


class Registration(models.Model):
    CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=[(CONFIRMED, "Confirmed"), (WAITING, "Waiting list"),
                                                      (CANCELLED, "Cancelled")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="one_registration_per_user")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.event_id}: {self.status}"


class Topic(models.Model):
    """A discussion space: one per category, policy theme or region."""

    KINDS = [("category", "Cluster category"), ("theme", "Policy theme"), ("region", "Region")]
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=KINDS, default="theme")
    code = models.CharField(max_length=20, blank=True, help_text="category or NUTS code")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class Thread(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=150)
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="threads")
    body = models.TextField(max_length=10000, help_text="Markdown")
    created_at = models.DateTimeField(auto_now_add=True)
    locked = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Reply(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(max_length=10000, help_text="Markdown")
    created_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"Reply {self.pk} in {self.thread_id}"


class Notification(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="community_notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text


class AbuseReport(models.Model):
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="abuse_reports")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE)
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["resolved", "-created_at"]

    def __str__(self) -> str:
        return f"Report {self.pk}: {self.reason[:40]}"


def recent_posts(user: Any, minutes: int = 10) -> int:
    """How many threads and replies *user* posted in the last *minutes*."""
    since = timezone.now() - timedelta(minutes=minutes)
    return Thread.objects.filter(author=user, created_at__gte=since).count() + \
        Reply.objects.filter(author=user, created_at__gte=since).count()
