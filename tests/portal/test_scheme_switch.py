"""Changing the category scheme keeps the visitor on the page (issue 18: it led to a 400)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "query", "dropped"), [
    # the form submits the new scheme with the previous scheme's category
    ("/map/", {"scheme": "nace-division", "category": "4"}, {"category"}),
    # and its rating method, which the new scheme may not have (no traded categories)
    ("/map/", {"scheme": "nace-division", "method": "uscmp-strong", "category": "C29"}, {"method"}),
    ("/regions/DE21/", {"scheme": "emerging", "method": "uscmp-strong"}, {"method"}),
])
def test_a_stale_choice_falls_back_to_the_new_schemes_defaults(client: Client, path: str, query: dict,
                                                              dropped: set[str]) -> None:
    first = client.get(path, query)
    assert first.status_code == 302
    target = urlparse(first["Location"])
    kept = parse_qs(target.query)
    assert target.path == path and not dropped & set(kept) and kept["scheme"] == [query["scheme"]]
    assert client.get(first["Location"]).status_code == 200


def test_a_bad_value_without_a_scheme_change_is_still_a_400(client: Client) -> None:
    assert client.get("/map/", {"category": "nope"}).status_code == 400
    assert client.get("/map/", {"scheme": "eu-clusters", "indicator": "nope"}).status_code == 400
    assert client.get("/map/", {"scheme": "eu-clusters", "category": "nope"}).status_code == 400
