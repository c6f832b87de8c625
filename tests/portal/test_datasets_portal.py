"""Several datasets side by side in the portal and the API: the switch, the defaults each
dataset declares, and a dataset without boundaries."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _datasets(built_datasets):  # type: ignore[no-untyped-def]
    return built_datasets


def test_the_api_lists_the_datasets(client: Client) -> None:
    body = client.get("/api/v1/datasets").json()
    ids = [d["id"] for d in body]
    assert ids[:3] == ["europe", "gb-bres", "us-cbp"]
    assert body[0]["default"] and body[2]["default_scheme"] == "uscmp"


def test_every_endpoint_takes_the_dataset(client: Client) -> None:
    gb = client.get("/api/v1/clusters", {"dataset": "gb-bres", "region": "UKI3", "year": 2021,
                                         "category": "4", "limit": 5}).json()
    assert gb["dataset"] == "gb-bres" and gb["scheme"] == "eu-clusters"
    assert gb["items"][0]["region_name"] == "Inner London — West"  # NUTS 2016 name
    us = client.get("/api/v1/clusters", {"dataset": "us-cbp", "region": "14460", "limit": 200}).json()
    assert us["scheme"] == "uscmp" and {i["year"] for i in us["items"]} == {2019}
    geo = client.get("/api/v1/geometries", {"dataset": "gb-bres", "level": 2}).json()
    assert len(geo["features"]) == 40 and all(f["properties"]["region"].startswith("UK") for f in geo["features"])


def test_pages_follow_the_chosen_dataset(client: Client) -> None:
    page = client.get("/regions/UKI3/", {"dataset": "gb-bres"})
    html = page.content.decode()
    assert page.status_code == 200 and "Inner London" in html
    assert "Office for National Statistics" in html  # the dataset's attribution in the footer
    assert 'value="gb-bres" selected' in html  # the selector shows the choice
    # remembered: the next page without ?dataset= still shows Great Britain
    assert "Office for National Statistics" in client.get("/map/").content.decode()
    back = client.get("/map/", {"dataset": "europe"}).content.decode()
    assert "Eurostat" in back and "Office for National Statistics" not in back


def test_a_dataset_without_boundaries_shows_the_table(client: Client) -> None:
    html = client.get("/map/", {"dataset": "us-cbp"}).content.decode()
    assert "No region boundaries are loaded" in html and 'id="map"' not in html
    assert "Boston-Cambridge-Newton" in html  # the table lists the metros
    region = client.get("/regions/14460/", {"dataset": "us-cbp"})
    assert region.status_code == 200
    # the summary names the level as the dataset's geography does, not as a NUTS level
    text = region.content.decode()
    assert "(14460, metro area (CBSA)) had" in text and "14460, NUTS" not in text
    trends = client.get("/trends/", {"dataset": "us-cbp"})
    assert trends.status_code == 404 and "single year of data" in trends.content.decode()


def test_unknown_dataset_is_a_400(client: Client) -> None:
    response = client.get("/map/", {"dataset": "atlantis"})
    assert response.status_code == 400 and "unknown dataset &#x27;atlantis&#x27;" in response.content.decode()
    api = client.get("/api/v1/clusters", {"dataset": "atlantis"})
    assert api.status_code == 400 and "unknown dataset 'atlantis'" in api.json()["message"]


def test_downloads_and_api_say_what_is_estimated_and_where_it_comes_from(client: Client) -> None:
    import io

    import pandas as pd

    api = client.get("/api/v1/clusters", {"dataset": "europe", "region": "DE91", "year": 2014,
                                          "scheme": "nace-division", "category": "C12"}).json()
    row = api["items"][0]
    assert row["estimated"] is True and 0 < row["estimate_share"] <= 1  # tobacco: confidential in SBS
    assert row["employment_lower"] <= row["employment"] <= row["employment_upper"]
    assert "c" in row["flags"] and "i" in row["flags"]  # confidential at the source, estimated here
    csv = client.get("/api/v1/clusters", {"dataset": "gb-bres", "region": "UKD3", "year": 2021,
                                          "format": "csv"})
    assert 'filename="clusters-eu-clusters-eco-classic-gb-bres-live.csv"' in csv["Content-Disposition"]
    table = pd.read_csv(io.BytesIO(csv.content))
    assert list(table.columns[:2]) == ["dataset", "edition"]
    assert set(table["dataset"]) == {"gb-bres"} and set(table["edition"]) == {"live"}
    assert not table["estimated"].any()  # BRES publishes every cell
    xlsx = client.get("/api/v1/clusters", {"dataset": "gb-bres", "region": "UKD3", "year": 2021,
                                           "format": "xlsx"})
    about = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="about").set_index("field")["value"]
    assert about["dataset"] == "gb-bres" and "Office for National Statistics" in about["source"]


def test_pages_mark_estimated_employment(client: Client) -> None:
    html = client.get("/regions/DE91/", {"dataset": "europe", "scheme": "nace-division", "year": 2014}).content.decode()
    assert 'class="marker estimated"' in html and "/methodology/ratings/#estimates" in html
    gb = client.get("/regions/UKD3/", {"dataset": "gb-bres"}).content.decode()
    assert 'class="marker estimated"' not in gb  # BRES withholds nothing


def test_every_answer_names_its_dataset_and_edition(client: Client) -> None:
    api = client.get("/api/v1/clusters", {"dataset": "gb-bres", "limit": 1})
    assert api["X-Observatory-Dataset"] == "gb-bres" and api["X-Observatory-Edition"] == "live"
    home = client.get("/", {"dataset": "europe"})
    assert home["X-Observatory-Dataset"] == "europe"
    html = home.content.decode()
    assert "Live data" in html and "Europe (Eurostat regional SBS)" in html
    assert "Edition " + "fingerprint" not in html  # named, not a hash
