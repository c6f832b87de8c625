"""Forms of the meeting space (every field length-limited; Markdown is sanitised on output)."""

from __future__ import annotations

from typing import Any

from django import forms

from clusterobs.portal.community.models import ROLES, TIME_ZONES, Event, Profile, Thread


class ProfileForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(required=False, widget=forms.SelectMultiple(attrs={"size": 8}),
                                           help_text="Cluster categories (eu-clusters) you work on")
    emerging = forms.MultipleChoiceField(required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
                                         label="Emerging industries")

    class Meta:
        model = Profile
        fields = ["display_name", "organisation", "role", "country", "region", "categories", "emerging",
                  "offers", "seeks", "vis_profile", "vis_organisation", "vis_role", "vis_location",
                  "vis_interests", "vis_offers", "email_consent"]
        labels = {"vis_profile": "Who sees my profile at all", "vis_organisation": "Who sees my organisation",
                  "vis_role": "Who sees my role", "vis_location": "Who sees my country and region (and map pin)",
                  "vis_interests": "Who sees my interests", "vis_offers": "Who sees what I offer and seek",
                  "region": "Region (NUTS 2016 code)"}
        widgets = {"offers": forms.Textarea(attrs={"rows": 3}), "seeks": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, categories: list[tuple[str, str]] = (), emerging: list[tuple[str, str]] = (),
                 regions: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = categories
        self.fields["emerging"].choices = emerging
        self.regions = regions

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip().upper()
        if code and self.regions is not None and code not in self.regions:
            raise forms.ValidationError(f"{code} is not a NUTS 2016 region code (e.g. DE21, FR10, ITC4).")
        return code

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        region = (self.data.get("region") or "").strip().upper()
        return code or region[:2]


class ContactForm(forms.Form):
    message = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="Say who you are and why you would like to meet.")


class EventForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONES, initial="Europe/Brussels")
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                help_text="local time of the event's time zone")
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Event
        fields = ["title", "description", "online", "location", "time_zone", "start", "end", "capacity"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean(self) -> dict[str, Any]:
        from zoneinfo import ZoneInfo

        data = super().clean() or {}
        tz = data.get("time_zone")
        if tz and data.get("start") and data.get("end"):
            # the form fields read local times of the event's zone, not the server's
            for key in ("start", "end"):
                data[key] = data[key].replace(tzinfo=None).replace(tzinfo=ZoneInfo(tz))
            if data["end"] <= data["start"]:
                self.add_error("end", "The end must be after the start.")
        return data


class ThreadForm(forms.ModelForm):
    class Meta:
        model = Thread
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"body": "Markdown; mention members with @Handle (their name without spaces)."}


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), label="Your reply",
                           help_text="Markdown; mention members with @Handle (their name without spaces).")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)


class MemberFilter(forms.Form):
    """The one filter definition of the directory page and its API twin."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *ROLES])
    country = forms.CharField(required=False, max_length=2)
    category = forms.CharField(required=False, max_length=10)
