"""Issue 18, a newcomer's first hour: methodology in the portal, rating markers linked and
stated with their confidence, region links that exist, compare by name and up to ten
regions, chart axes, stress-test PDF = screen, honest showcase lessons, product emails.

The browser tests (phone width, charts, the link crawl) are in ``test_newcomer_browser.py``.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest
from django.core import mail

from clusterobs.core import stresstest as st
from clusterobs.portal.explorer import charts, summary
from clusterobs.portal.methodology import docs
from clusterobs.portal.stresstest import results
from clusterobs.sources import questionnaire

pytestmark = pytest.mark.django_db  # region pages list policy cases from the database
DOCS = Path(__file__).resolve().parents[2] / "docs" / "methodology"
RATINGS = "/methodology/ratings/"
ANCHORS = ("stars", "confidence", "lq", "purity", "estimates")


def _html(client, url: str, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.content.decode()


# --- 2. methodology pages ------------------------------------------------------------------

def test_every_methodology_file_is_a_portal_page(client):
    files = sorted(p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md"))
    assert "ratings" in files and len(files) >= 10
    index = _html(client, "/methodology/")
    for slug in files:
        assert f'href="/methodology/{slug}/"' in index, slug
        page = _html(client, f"/methodology/{slug}/")
        title = (DOCS / f"{slug}.md").read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
        assert f"<h1>{title}</h1>" in page.replace("&#x27;", "'").replace("&amp;", "&"), slug
    _html(client, "/methodology/no-such-page/", 404)


def test_ratings_page_is_the_markdown_file_with_an_anchor_per_marker(client):
    page = _html(client, RATINGS)
    for anchor in ANCHORS:
        assert f'id="{anchor}"' in page, anchor
    source = (DOCS / "ratings.md").read_text(encoding="utf-8")
    sentence = "stars say how strong a cluster is, confidence says how sure that rating is."
    assert sentence in source and sentence in page
    # links between methodology files become portal links, never links to .md files
    assert 'href="/methodology/missing-detail/"' in page and ".md\"" not in page


def test_links_of_every_methodology_page_resolve(client):
    for slug in docs.slugs():
        page = _html(client, f"/methodology/{slug}/")
        for href in set(re.findall(r'href="(/methodology/[^"]*)"', page)):
            path, _, anchor = href.partition("#")
            target = _html(client, path)
            assert not anchor or f'id="{anchor}"' in target, (slug, href)


def test_rating_markers_of_region_category_map_and_compare_link_to_their_anchor(client):
    pages = {
        "/regions/ITC4/": ("stars", "confidence", "lq", "estimates", "purity"),
        "/categories/eu-clusters/4/": ("stars", "confidence", "lq"),
        "/map/?scheme=eu-clusters&category=4&indicator=lq": ("lq", "stars"),
        "/map/?scheme=eu-clusters&category=4&indicator=stars": ("stars",),
        "/compare/?regions=ITC4,DE21": ("stars", "confidence", "lq"),
        "/regions/DE91/categories/4/": ("stars", "confidence", "lq", "estimates", "purity"),
    }
    for url, anchors in pages.items():
        page = _html(client, url)
        for anchor in anchors:
            assert f'href="{RATINGS}#{anchor}"' in page, (url, anchor)
    region = _html(client, "/regions/ITC4/")
    for header in ("LQ", "Stars", "Confidence"):
        assert re.search(rf'<th scope="col" class="n"><a href="{RATINGS}#\w+">{header}</a></th>', region), header


def test_summaries_state_stars_with_their_confidence(client):
    row = {"category_name": "Metalworking", "stars": 2, "stars_confidence": 0.35, "lq": 1.9, "employment": 5e4}
    assert summary.stars_text(row) == "2 stars at 35% confidence"
    assert summary.stars_text({**row, "stars_confidence": None}) == "2 stars, confidence unknown"
    page = _html(client, "/regions/ITC4/")
    sentences = re.findall(r"The strongest: ([^<]+)", page)
    assert sentences and re.search(r"\(\d star[s]? at \d+% confidence, LQ", sentences[0]), sentences


# --- 6. no links to missing pages ----------------------------------------------------------

@pytest.mark.parametrize("code", ["DE1", "IT", "ITC4"])
def test_region_pages_link_only_to_trend_and_scoreboard_pages_that_exist(client, code):
    page = _html(client, f"/regions/{code}/")
    links = set(re.findall(r'href="(/(?:trends|scoreboard)/[^"?#]*)', page))
    assert links, "the trends and scoreboard overviews stay linked"
    for href in links:
        assert client.get(href).status_code == 200, href
    if code == "ITC4":
        assert "/trends/regions/ITC4/" in links and "/scoreboard/ITC4/" in links


# --- 8. compare ----------------------------------------------------------------------------

def test_compare_takes_codes_in_any_case_and_exact_names(client):
    page = _html(client, "/compare/?regions=itc4,Oberbayern,%C3%8Ele-de-France")
    assert all(f'<span class="code">{c}</span>' in page for c in ("ITC4", "DE21", "FR10"))
    page = _html(client, "/compare/?regions=Lombardia&add=Wien+(AT13,+NUTS+2)")
    assert '<span class="code">ITC4</span>' in page and '<span class="code">AT13</span>' in page
    assert 'value="ITC4,AT13"' in page
    resp = client.get("/regions/itc4/?year=2014")
    assert resp.status_code == 301 and resp["Location"] == "/regions/ITC4/?year=2014"


def test_compare_has_a_name_picker(client):
    page = _html(client, "/compare/")
    assert 'list="c-region-list"' in page and '<datalist id="c-region-list">' in page
    assert '<option value="Lombardia (ITC4, NUTS 2)">' in page


def test_compare_takes_ten_regions_and_explains_eleven(client):
    ten = "AT11,AT12,AT13,AT21,AT22,AT31,AT32,AT33,AT34,ITC4"
    page = _html(client, f"/compare/?regions={ten}")
    assert page.count('<li><h3><a href="/regions/') == 10
    page = _html(client, f"/compare/?regions={ten},DE21", 400)
    assert "11 regions given: compare at most 10 at a time" in page and 'id="c-regions"' in page
    page = _html(client, "/compare/?regions=ITC4,Atlantis", 404)
    assert "There is no region &#x27;Atlantis&#x27;" in page and 'id="c-regions"' in page


# --- 7. chart axes -------------------------------------------------------------------------

def test_portfolio_log_axis_is_labelled_one_two_five():
    assert charts.log_ticks(0.1, 12)[1] == ["0.1", "0.2", "0.5", "1", "2", "5", "10"]
    assert charts.log_ticks(0.35, 4.1)[1] == ["0.5", "1", "2", "3"]
    fig = charts.bubble([{"lq": 0.12, "growth_1y": 0.01, "employment": 10.0, "stars": 0, "category_name": "a"},
                         {"lq": 8.0, "growth_1y": 0.02, "employment": 20.0, "stars": 3, "category_name": "b"}],
                        "growth_1y", 3)
    assert fig["layout"]["xaxis"]["ticktext"] == ["0.1", "0.2", "0.5", "1", "2", "5", "10"]


def test_compare_chart_puts_category_names_on_the_left_and_the_legend_on_top():
    rows = [{"region": r, "region_name": r, "category_name": "Information Technology and Analytical Instruments",
             "lq": 1.5} for r in ("A", "B")]
    fig = charts.grouped_bars(rows, "LQ")
    assert fig["data"][0]["orientation"] == "h"
    assert fig["data"][0]["y"] == ["Information Technology and<br>Analytical Instruments"]
    assert fig["layout"]["legend"]["yanchor"] == "bottom" and fig["layout"]["yaxis"]["automargin"]


# --- 10. stress test: PDF = screen ---------------------------------------------------------

def _half_answers(q: questionnaire.Questionnaire) -> dict[str, str]:
    """Answers giving at least one section score whose second decimal is a 5 (x.x5)."""
    likert = [i for s in q.sections for i in s.items if i.scale == "likert"]
    for values in itertools.product("12345", repeat=3):
        answers = {i.id: values[n % 3] for n, i in enumerate(likert)}
        answers |= {i.id: "yes" for s in q.sections for i in s.items if i.scale != "likert"}
        scores = [s.score for s in st.section_scores(q, answers) if s.score is not None]
        if any(f"{v:.1f}" != f"{results.shown(v):.1f}" for v in scores):
            return answers
    raise AssertionError("no answers give a score that rounds differently")


def test_stress_test_pdf_shows_the_section_scores_of_the_screen(client):
    from clusterobs.portal.stresstest.models import Response

    q = questionnaire.load()
    answers = _half_answers(q)
    resp = Response.objects.create(region="ITC4", region_name="Lombardia", policy_name="Half scores",
                                   answers=answers, status="submitted",
                                   scores={s.id: s.score for s in st.section_scores(q, answers)})
    page = _html(client, f"/stress-test/r/{resp.token}/results/")
    screen = dict(re.findall(r'<tr data-section="(S\d+)">.*?<td class="n">([\d.]+|–)</td>', page, re.S))
    pdf = client.get(f"/stress-test/r/{resp.token}/results.pdf").content
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    on_pdf = dict(re.findall(r"^\s*(S\d+)\. .*?\s([\d.]+|–)\s", text.decode(), re.M))
    assert len(screen) == len(q.sections) and screen == {k: on_pdf[k] for k in screen}, (screen, on_pdf)


# --- 13. showcases -------------------------------------------------------------------------

def test_cases_without_recorded_lessons_say_so_honestly(client):
    from clusterobs.portal.showcases.management.commands.load_showcases import load
    from clusterobs.portal.showcases.models import Case

    load()
    empty = Case.objects.filter(lessons=[])
    assert empty.exists() and Case.objects.exclude(lessons=[]).exists()  # as in the seed file
    for case in empty:
        page = _html(client, f"/showcases/{case.slug}/")
        assert "The sources draw no lessons" not in page
        assert "were not found to state lessons of their own" in page and "no verdict on the programme" in page
        assert 'href="/contact/"' in page
    with_lessons = Case.objects.exclude(lessons=[]).first()
    assert with_lessons is not None and "Not recorded yet" not in _html(client, f"/showcases/{with_lessons.slug}/")


# --- 15. account emails --------------------------------------------------------------------

def test_signup_email_speaks_for_the_product_and_names_a_contact(client, settings):
    settings.DEFAULT_FROM_EMAIL = "editors@observatory.example.org"
    resp = client.post("/accounts/signup/", {"email": "ana@example.org", "password1": "a-Long-pass-9871",
                                             "password2": "a-Long-pass-9871"})
    assert resp.status_code == 302, resp.content.decode()[:500]
    assert len(mail.outbox) == 1
    body, subject = mail.outbox[0].body, mail.outbox[0].subject
    assert "Hello from 127.0.0.1" not in body and "Hello from testserver" not in body
    assert "Hello from the Cluster Observatory" in body and "Confirm your email address" in subject
    assert "editors@observatory.example.org" in body and mail.outbox[0].from_email == settings.DEFAULT_FROM_EMAIL
    sent = _html(client, resp["Location"])
    assert 'href="/contact/">contact us</a>' in sent
    contact = _html(client, "/contact/")
    assert 'href="mailto:editors@observatory.example.org"' in contact


def test_contact_page_says_when_no_address_is_configured(client, settings):
    settings.DEFAULT_FROM_EMAIL = "observatory@localhost"
    page = _html(client, "/contact/")
    assert "DJANGO_DEFAULT_FROM_EMAIL" in page and "mailto:" not in page
