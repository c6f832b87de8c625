"""Seeding, search and filters on the 25 real seed cases; the page and the API agree."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from clusterobs.portal.showcases import seed, services
from clusterobs.portal.showcases.filters import CaseFilter
from clusterobs.portal.showcases.models import Case, CaseRevision

pytestmark = pytest.mark.django_db


def slugs(client, query: str) -> list[str]:
    """Slugs of the cases listed by the library page for *query*, in page order."""
    resp = client.get(f"/showcases/?{query}")
    assert resp.status_code == 200
    return re.findall(r'data-slug="([^"]+)"', resp.content.decode())


def api_slugs(client, query: str) -> list[str]:
    resp = client.get(f"/api/v1/showcases?{query}&limit=200")
    assert resp.status_code == 200, resp.content
    return [item["slug"] for item in resp.json()["items"]]


def test_seeding_loads_25_cases_with_their_sources_and_is_idempotent(seeded, capsys):
    basque = Case.objects.get(slug="basque-country-cluster-policy")
    assert basque.regions == ["ES21"] and basque.level == "regional" and basque.start_year == 1990
    assert basque.sources[0] == {"url": "https://clustercollaboration.eu/cluster-networks/basque-clusters",
                                 "title": "ECCP - Basque Clusters (SPRI) network profile"}
    assert all(c.sources for c in Case.objects.all())
    assert CaseRevision.objects.filter(action="seeded").count() == 25
    call_command("load_showcases")
    assert "0 created, 0 updated, 25 unchanged" in capsys.readouterr().out
    assert Case.objects.count() == 25 and CaseRevision.objects.count() == 25


def test_seed_errors_name_the_case_and_the_field(tmp_path: Path):
    bad = tmp_path / "cases.yaml"
    bad.write_text("- id: ok-case\n  title: T\n  country: ES\n  level: county\n  policy_type: p\n"
                   "  summary: s\n  sources: [{url: 'https://a.example', title: A}]\n", encoding="utf-8")
    with pytest.raises(seed.SeedError, match=r"case 'ok-case', field 'level': 'county' is not one of"):
        seed.read(bad)
    bad.write_text("- id: js-case\n  title: T\n  country: ES\n  level: national\n  policy_type: p\n"
                   "  summary: s\n  sources: [{url: 'javascript:alert(1)', title: A}]\n", encoding="utf-8")
    with pytest.raises(seed.SeedError, match=r"case 'js-case', field 'sources'\[0\].url: .* not an http"):
        seed.read(bad)


@pytest.mark.parametrize(("query", "first", "expected"), [
    # the only case about the Basque Country
    ("q=Basque", "basque-country-cluster-policy", {"basque-country-cluster-policy"}),
    # accents and case do not matter
    ("q=poles+de+competitivite", "france-poles-de-competitivite", {"france-poles-de-competitivite"}),
    # "smart specialisation" also finds RIS3 (Catalonia's "RIS3 priorities")
    ("q=smart+specialisation", None, {"basque-country-cluster-policy", "latvia-cluster-programme",
                                      "eu-interreg-clusterix-2", "catalonia-clusters-programme",
                                      "poland-key-national-clusters",
                                      "eu-european-strategic-cluster-partnerships"}),
    ("q=cascade+funding+SMEs", "eu-euroclusters", {"eu-euroclusters", "eu-european-strategic-cluster-partnerships"}),
])
def test_search_finds_the_real_cases(client, seeded, query, first, expected):
    found = slugs(client, query)
    assert set(found) == expected
    if first:
        assert found[0] == first


def test_internationalisation_ranks_title_matches_first_and_american_spelling_agrees(client, seeded):
    found = slugs(client, "q=internationalisation")
    # the two EU instruments with "internationalisation" in their policy type and themes come first
    assert set(found[:2]) == {"eu-european-cluster-collaboration-platform",
                              "eu-european-strategic-cluster-partnerships"}
    assert {"basque-country-cluster-policy", "poland-key-national-clusters"} <= set(found)
    assert len(found) == 9
    assert slugs(client, "q=internationalization") == found


def test_every_word_must_match(client, seeded):
    assert slugs(client, "q=Basque+biotechnology") == []
    assert "No published case matches" in client.get("/showcases/?q=zzzz").content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("country=DE", {"germany-leading-edge-cluster-competition", "germany-bioregio-competition",
                    "germany-go-cluster"}),
    ("level=EU", {"eu-european-cluster-collaboration-platform", "eu-european-strategic-cluster-partnerships",
                  "eu-interreg-clusterix-2", "eu-euroclusters"}),
    ("country=AT&level=regional", {"upper-austria-cluster-programme", "lower-austria-cluster-programme"}),
    ("policy_type=competition&country=DE", {"germany-leading-edge-cluster-competition",
                                            "germany-bioregio-competition"}),
    ("instrument=sme-support&level=EU", {"eu-euroclusters", "eu-european-strategic-cluster-partnerships"}),
    ("category=5&country=DE", {"germany-leading-edge-cluster-competition", "germany-bioregio-competition"}),
    ("category=blue-growth&level=national", {"denmark-national-cluster-policy", "italy-national-technology-clusters",
                                            "us-sba-regional-innovation-clusters"}),
    ("region=ES21", {"basque-country-cluster-policy"}),
    ("region=AT12", {"lower-austria-cluster-programme", "eu-interreg-clusterix-2"}),
    ("q=biotechnology&country=DE", {"germany-bioregio-competition", "germany-leading-edge-cluster-competition"}),
])
def test_filters_page_and_api_agree(client, seeded, query, expected):
    assert set(slugs(client, query)) == expected
    assert api_slugs(client, query) == slugs(client, query)


def test_level_counts_add_up(client, seeded):
    counts = {lv: len(slugs(client, f"level={lv}")) for lv in ("regional", "national", "EU", "other")}
    assert counts == {"regional": 6, "national": 15, "EU": 4, "other": 0}


def test_stress_test_style_links_work_and_bad_values_are_named(client, seeded):
    resp = client.get("/showcases/?q=internationalisation&level=national&instrument=funding&utm=x")
    assert resp.status_code == 200
    assert set(re.findall(r'data-slug="([^"]+)"', resp.content.decode())) == {
        "poland-key-national-clusters", "czechia-clusters-cooperation-programme",
        "denmark-national-cluster-policy", "latvia-cluster-programme"}
    page = client.get("/showcases/?level=county&instrument=%3Cscript%3E").content.decode()
    assert "level=&#x27;county&#x27; is not allowed" in page and "<script>" not in page.split("<main")[1].split("</main>")[0]
    api = client.get("/api/v1/showcases?level=county")
    assert api.status_code == 400 and "level='county' is not allowed" in api.json()["message"]


def test_downloads_hold_the_filtered_published_cases(client, seeded):
    resp = client.get("/showcases/?level=EU&format=csv")
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode())))
    assert {r["slug"] for r in rows} == set(slugs(client, "level=EU"))
    assert "https://" in rows[0]["sources"]
    xlsx = client.get("/api/v1/showcases?country=DE&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_only_published_cases_are_listed(client, seeded):
    basque = Case.objects.get(slug="basque-country-cluster-policy")
    basque.status = Case.Status.ARCHIVED
    basque.save()
    assert slugs(client, "q=Basque") == [] and api_slugs(client, "q=Basque") == []
    assert client.get("/showcases/basque-country-cluster-policy/").status_code == 404
    assert client.get("/api/v1/showcases/basque-country-cluster-policy").status_code == 404


def test_cases_for_region(seeded):
    assert [c.slug for c in services.cases_for_region("ES21")] == ["basque-country-cluster-policy"]
    assert [c.slug for c in services.cases_for_region("UKM7")] == ["scotland-cluster-policy"]  # NUTS UK = GB
    assert {c.slug for c in services.cases_for_region("DE11")} == {
        "germany-leading-edge-cluster-competition", "germany-bioregio-competition", "germany-go-cluster"}
    assert {c.slug for c in services.cases_for_region("SE22")} == {"sweden-vinnvaxt", "eu-interreg-clusterix-2"}


def test_case_page_shows_sources_as_safe_links(client, seeded):
    html = client.get("/showcases/basque-country-cluster-policy/").content.decode()
    assert ('<a href="https://www.spri.eus/en/ris3-euskadi/cluster-policy/" rel="noopener noreferrer nofollow">'
            "SPRI - Cluster Policy</a>") in html
    assert "País Vasco (ES21)" in html
    assert CaseFilter.parse({"q": "x" * 500}).q == "x" * 200


def test_region_page_links_its_policy_cases(client, seeded) -> None:  # type: ignore[no-untyped-def]
    basque = Case.objects.get(title__startswith="Basque Country")
    html = client.get("/regions/ES21/").content.decode()
    assert f'href="/showcases/{basque.slug}/"' in html  # the Basque case is tied to ES21
    other = client.get("/regions/FI1B/").content.decode()
    assert f'href="/showcases/{basque.slug}/"' not in other
