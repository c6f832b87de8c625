"""The contact page (``/contact/``): who runs this portal and how to reach them.

The address is the portal's sender address (``DJANGO_DEFAULT_FROM_EMAIL``), the same one the
account emails come from, so "contact us" in those emails and on the account pages points
at a real mailbox once the deployment sets it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def contact_email() -> str:
    """The portal's contact address (the sender address of its emails)."""
    return str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")


def is_placeholder(address: str) -> bool:
    """True for the development default (``observatory@localhost``), which reaches nobody."""
    return not address or address.endswith("@localhost")


def contact(request: HttpRequest) -> HttpResponse:
    """Contact details of the observatory's editors and operators."""
    address = contact_email()
    return render(request, "contact.html", {"address": address, "placeholder": is_placeholder(address)})
