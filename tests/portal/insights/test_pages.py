"""Trends and scoreboard pages and API: the store's numbers, downloads, bad input."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from clusterobs.store import scoreboard_queries as sq
from tests.portal.conftest import scalar

REGION = "ITC4"


def _get(client, url: str, status: int = 200):  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.content[:300])
    return resp


def test_trends_page_growth_and_shift_share_equal_the_store(client, sb):
    html = _get(client, "/trends/").content.decode()
    start, end = sb.execute("SELECT min(start_year), max(end_year) FROM shift_share").fetchone()
    # Automotive (eu-clusters 4) over the regions with data in both years
    e0, e1 = sb.execute("""SELECT sum(s.employment), sum(e.employment) FROM clusters s JOIN clusters e
        ON e.scheme = s.scheme AND e.region = s.region AND e.category = s.category AND e.year = ?
        WHERE s.scheme = 'eu-clusters' AND s.category = '4' AND s.level = 2 AND s.year = ?
        AND s.employment IS NOT NULL AND e.employment IS NOT NULL""", [end, start]).fetchone()
    assert f"{e0:,.0f}" in html and f"{e1:,.0f}" in html
    change = scalar(sb, "SELECT sum(actual_change) FROM shift_share WHERE scheme='eu-clusters' AND category='4'")
    assert f"{change:,.0f}" in html
    assert "Cross-sectoral links" in html and "near 1 by construction" in html
    assert 'id="network-data"' in html and "Source: Eurostat" in html and "U.S. Cluster Mapping" in html
    emerging = scalar(sb, "SELECT count(*) FROM categories WHERE scheme='emerging'")
    assert html.count('<tr data-category="', html.index('id="emerging-table"'),
                      html.index('id="ss-title"')) == emerging
    csv = pd.read_csv(io.BytesIO(_get(client, "/trends/?format=csv&table=shift_share").content))
    assert len(csv) == scalar(sb, "SELECT count(*) FROM shift_share WHERE scheme='eu-clusters'")
    assert list(csv.columns[:6]) == ["dataset", "edition", "region", "scheme", "category", "start_year"]
    net = pd.read_csv(io.BytesIO(_get(client, "/trends/?format=csv&table=network").content))
    top = sb.execute("SELECT max(colocation) FROM relatedness WHERE scheme='eu-clusters'").fetchone()[0]
    assert net["colocation"].iloc[0] == pytest.approx(top)


@pytest.mark.django_db  # the region page lists its policy showcases
def test_trends_opportunities_and_region_profile(client, sb):
    html = _get(client, f"/trends/?region={REGION}").content.decode()
    opp = sb.execute("SELECT category, density FROM opportunities WHERE region=? AND scheme='eu-clusters' ORDER BY rank",
                     [REGION]).fetchall()
    part = html[html.index('id="opportunities-table"'):]
    assert part.count("<tr data-category=") == len(opp)
    assert f"{opp[0][1]:,.3f}" in part
    page = _get(client, f"/trends/regions/{REGION}/").content.decode()
    krugman = sb.execute("SELECT krugman FROM specialisation WHERE region=? AND scheme='eu-clusters' ORDER BY year DESC",
                         [REGION]).fetchone()[0]
    assert f"{krugman:,.4f}" in page and "Rising clusters" in page and "Declining clusters" in page
    n = scalar(sb, "SELECT count(*) FROM shift_share WHERE region=? AND scheme='eu-clusters'", REGION)
    part = page[page.index('id="shift-share-table"'):page.index('id="opp-title"')]
    assert part.count("<tr data-category=") == n
    assert f"/trends/regions/{REGION}/" in _get(client, f"/regions/{REGION}/").content.decode()


def test_scoreboard_ranking_page_and_download(client, sb):
    html = _get(client, "/scoreboard/").content.decode()
    first, score, n = sb.execute("""SELECT region, score, (SELECT count(*) FROM scoreboard_scores
        WHERE dimension='overall' AND score IS NOT NULL) FROM scoreboard_scores
        WHERE dimension='overall' ORDER BY rank, region LIMIT 1""").fetchone()
    assert html.count("<tr data-region=") == n
    assert f'<tr data-region="{first}"><td class="n">1</td>' in html and f"{score:,.3f}" in html
    assert "© EuroGeographics for the administrative boundaries" in html
    dim = _get(client, "/scoreboard/?dimension=knowledge_skills&format=csv&table=ranking").content
    got = pd.read_csv(io.BytesIO(dim))
    want = sb.execute("""SELECT region, score FROM scoreboard_scores WHERE dimension='knowledge_skills'
        AND score IS NOT NULL ORDER BY rank, region""").df()
    assert list(got["region"]) == list(want["region"])
    assert got["score"].to_numpy() == pytest.approx(want["score"].to_numpy())


def test_scoreboard_region_page_with_suggested_and_chosen_peers(client, sb):
    html = _get(client, f"/scoreboard/{REGION}/").content.decode()
    score = scalar(sb, "SELECT score FROM scoreboard_scores WHERE region=? AND dimension='overall'", REGION)
    assert f"{score:,.3f}" in html
    peers = [r[0] for r in sb.execute("SELECT peer FROM scoreboard_peers WHERE region=? ORDER BY distance",
                                      [REGION]).fetchall()]
    assert all(f"/scoreboard/{p}/" in html for p in peers)
    n_ind = scalar(sb, "SELECT count(*) FROM scoreboard_indicators WHERE region=?", REGION)
    assert html.count("<tr data-indicator=") == n_ind
    for sentence in sq.region_profile(sb, REGION)["sentences"]:
        assert sentence.replace("'", "&#x27;") in html
    chosen = _get(client, f"/scoreboard/{REGION}/?peers=DE21,FR10").content.decode()
    rel = sq.region_profile(sb, REGION, ["DE21", "FR10"])["dimensions"]
    overall = next(d for d in rel if d["dimension"] == "overall")
    assert "Chosen peers" in chosen and f'{overall["rel_peers"]:,.0f}' in chosen


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/scoreboard/XX99/", 404, "Did you mean"),
    ("/trends/regions/ITC/", 404, "ITC4"),
    (f"/scoreboard/{REGION}/?peers=DE21;;x", 400, "malformed"),
    (f"/scoreboard/{REGION}/?peers=A1,B1,C1,D1,E1,F1", 400, "at most 5"),
    (f"/scoreboard/{REGION}/?peers=ZZ99", 400, "not a scoreboard region"),
    ("/scoreboard/?dimension=nope", 400, "dimension=&#x27;nope&#x27;"),
    ("/trends/?format=csv&table=nope", 400, "not on this page"),
    ("/trends/report.docx", 400, "html or pdf"),
])
def test_bad_input_pages(client, url, status, text):
    assert text in _get(client, url, status).content.decode()


def test_api_equals_the_store(client, sb):
    items = _get(client, "/api/v1/scoreboard?dimension=overall").json()["items"]
    want_rank = sq.ranking(sb, "overall")
    assert [i["region"] for i in items] == [r["region"] for r in want_rank]
    assert [i["score"] for i in items] == pytest.approx([r["score"] for r in want_rank])
    one = _get(client, f"/api/v1/scoreboard/{REGION}?peers=DE21").json()
    want = {d["dimension"]: d for d in sq.region_profile(sb, REGION, ["DE21"])["dimensions"]}
    for d in one["dimensions"]:
        assert d["score"] == pytest.approx(want[d["dimension"]]["score"])
        assert d["rel_peers"] == pytest.approx(want[d["dimension"]]["rel_peers"], nan_ok=True)
    assert one["peers"] == [{"region": "DE21", "name": one["peers"][0]["name"]}]
    assert _get(client, "/api/v1/scoreboard/coverage").json()["year"] == sq.meta(sb)["year"]
    trends = _get(client, f"/api/v1/trends?region={REGION}").json()
    assert len(trends["opportunities"]) == scalar(sb, "SELECT count(*) FROM opportunities WHERE region=?", REGION)
    assert len(trends["growth"]) == len({r["category"] for r in trends["growth"]})
    prof = _get(client, f"/api/v1/trends/regions/{REGION}").json()
    total = scalar(sb, "SELECT sum(actual_change) FROM shift_share WHERE region=?", REGION)
    assert sum(r["actual_change"] for r in prof["shift_share"]) == pytest.approx(total)
    bad = _get(client, "/api/v1/scoreboard/XX1", 404).json()
    assert bad["suggestions"] and "XX1" in bad["message"]
    assert "at most 5" in _get(client, f"/api/v1/scoreboard/{REGION}?peers=A1,B1,C1,D1,E1,F1", 400).json()["message"]
    assert _get(client, "/api/v1/scoreboard?dimension=nope", 400).json()["message"].startswith("dimension=")


def test_export_scoreboard(sb):
    df = sq.export_scoreboard(sb)
    assert len(df) == scalar(sb, "SELECT count(*) FROM scoreboard_scores")
    assert list(df.columns) == list(sq.EXPORT_COLUMNS) and df["name"].notna().all()


def test_reports_are_rendered_once_and_cached(client, insights_store):
    first = _get(client, "/scoreboard/report.pdf")
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF")
    html = b"".join(_get(client, "/scoreboard/report.html").streaming_content).decode()
    assert "Regional Ecosystem Scoreboard" in html and "© EuroGeographics" in html
    trends = b"".join(_get(client, "/trends/report.html").streaming_content).decode()
    assert "Source: Eurostat" in trends and "U.S. Cluster Mapping" in trends and "data:image/png;base64" in trends
