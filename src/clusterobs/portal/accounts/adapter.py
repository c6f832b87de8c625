"""django-allauth adapter of the portal: rate limits keyed on the real client address."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from clusterobs.portal.accounts.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's defaults, except the client address (:func:`clientip.client_ip`)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address behind trusted proxies, the same one django-axes locks on."""
        return client_ip(request)
