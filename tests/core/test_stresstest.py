"""Stress-test scoring on hand-computed answers, recommendations, benchmark, evidence rules,
and the questionnaire loader (methodology §9)."""

from __future__ import annotations

import pytest

from clusterobs.core import stresstest as st
from clusterobs.core.stresstest import DimensionFact, Item, Questionnaire, RegionFacts, Section
from clusterobs.errors import SchemaError
from clusterobs.sources import questionnaire

Q = Questionnaire("t", 1, "T", "", (
    Section("S1", "One", "p", (
        Item("S1.1", "likert", "likert", "g11"),
        Item("S1.2", "reversed likert", "likert", "g12", reverse=True),
        Item("S1.3", "yes/no, weight 2", "yesno", "g13", weight=2.0),
    ), dimension="knowledge_skills"),
    Section("S2", "Two", "p", (
        Item("S2.1", "clusters", "likert", "g21", claim="strong_clusters"),
        Item("S2.2", "emerging", "yesno", "g22", claim="emerging_industries"),
        Item("S2.3", "finance", "likert", "g23", claim="access_to_finance"),
    )),
))  # fmt: skip


def _scores(answers: dict[str, str]) -> dict[str, float | None]:
    return {s.id: s.score for s in st.section_scores(Q, answers)}


def test_section_scores_hand_computed():
    # S1: S1.1 "4" -> (4-1)/4 = 0.75; S1.2 "2" reversed -> 1 - 0.25 = 0.75; S1.3 yes -> 1, weight 2
    #     10 * (0.75 + 0.75 + 2*1) / (1 + 1 + 2) = 10 * 3.5 / 4 = 8.75
    # S2: S2.1 "1" -> 0; S2.2 no -> 0; S2.3 "5" -> 1 ; 10 * 1 / 3 = 3.333 -> 3.33
    answers = {"S1.1": "4", "S1.2": "2", "S1.3": "yes", "S2.1": "1", "S2.2": "no", "S2.3": "5"}
    assert _scores(answers) == {"S1": 8.75, "S2": 3.33}


def test_dont_know_is_not_scored_and_unanswered_is_ignored():
    # S1: S1.1 "3" -> 0.5; S1.2 dk (left out); S1.3 no -> 0 with weight 2: 10 * 0.5 / 3 = 1.67
    # S2: only dk -> no score (None), but counted as answered
    scores = st.section_scores(Q, {"S1.1": "3", "S1.2": "dk", "S1.3": "no", "S2.1": "dk"})
    assert (scores[0].score, scores[0].answered, scores[0].dont_know) == (1.67, 3, 1)
    assert (scores[1].score, scores[1].answered, scores[1].dont_know) == (None, 1, 1)
    assert st.progress(Q, {"S1.1": "3", "S2.1": "dk"}) == (2, 6)


def test_equal_weights_give_ten_times_mean_of_scaled_answers():
    # 10 * mean((a-1)/4) for 1, 3, 5 -> 10 * mean(0, .5, 1) = 5
    q = Questionnaire("t", 1, "T", "", (Section("S1", "x", "p", tuple(
        Item(f"S1.{n}", "?", "likert", "g") for n in (1, 2, 3))),))
    assert st.section_scores(q, {"S1.1": "1", "S1.2": "3", "S1.3": "5"})[0].score == 5.0


def test_recommendations_are_items_below_half_weakest_section_first():
    answers = {"S1.1": "2", "S1.2": "1", "S1.3": "yes", "S2.1": "1", "S2.2": "no", "S2.3": "3"}
    # S1: 0.25, 1.0 (reversed 1), 1 (x2) -> 10 * 3.25/4 = 8.13; S2: 0, 0, 0.5 -> 1.67
    scores = st.section_scores(Q, answers)
    recs = st.recommendations(Q, answers, scores)
    # S2 is weaker, so its items come first; 0.5 (S2.3) is not below 0.5
    assert [r.item_id for r in recs] == ["S2.1", "S2.2", "S1.1"]
    assert recs[0].guidance == "g21"


def test_strengths_and_priorities():
    scores = [st.SectionScore("A", "A", 9.0, 1, 0, 1), st.SectionScore("B", "B", 2.0, 1, 0, 1),
              st.SectionScore("C", "C", 6.0, 1, 0, 1), st.SectionScore("D", "D", None, 0, 0, 1)]
    strengths, priorities = st.strengths_priorities(scores)
    assert [s.id for s in strengths] == ["A"] and [s.id for s in priorities] == ["B"]


def test_benchmark_needs_five_responses_per_section():
    four = [{"S1": 2.0, "S2": 4.0}] * 4
    assert st.benchmark(four, ["S1", "S2"]) == {"S1": None, "S2": None}
    # five: S1 mean (2+2+2+2+7)/5 = 3.0; S2 has a None in the fifth -> only 4 values -> hidden
    five = [*four, {"S1": 7.0, "S2": None}]
    assert st.benchmark(five, ["S1", "S2"]) == {"S1": st.Benchmark(3.0, 5), "S2": None}


@pytest.mark.parametrize("answers, fragment", [
    ({"S9.1": "3"}, "unknown question 'S9.1'"),
    ({"S1.1": "6"}, "'6' is not an allowed answer"),
    ({"S1.3": "4"}, "'4' is not an allowed answer"),
    ({"S1.1": 3}, "must be text"),
    ({"S2.1": "3"}, "not in section 'S1'"),
])  # fmt: skip
def test_bad_answers_are_refused_whole(answers, fragment):
    with pytest.raises(st.AnswerError, match=fragment):
        st.validate_answers(Q, {"S1.2": "3", **answers}, section="S1")


def test_unknown_section_is_refused():
    with pytest.raises(st.AnswerError, match="unknown section 'S7'"):
        st.validate_answers(Q, {}, section="S7")


def _facts(**kw):  # type: ignore[no-untyped-def]
    base = {"region": "XX11", "name": "Testland", "cluster_year": 2015, "clusters_rated": 51,
                "strong_clusters": (), "emerging_year": 2015, "emerging_rated": 10, "strong_emerging": (),
                "scoreboard_region": "XX11", "scoreboard_year": 2016,
                "dimensions": {"knowledge_skills": DimensionFact("knowledge_skills", "Knowledge basis and skills",
                                                              0.31, 78.4, "weakness"),
                            "access_to_finance": DimensionFact("access_to_finance", "Access to finance",
                                                               0.4, 85.0, "weakness")}}  # fmt: skip
    return RegionFacts(**{**base, **kw})


def test_evidence_claims_without_strong_clusters_and_weak_dimensions():
    answers = {"S1.1": "5", "S1.2": "1", "S1.3": "yes", "S2.1": "4", "S2.2": "yes", "S2.3": "5"}
    scores = st.section_scores(Q, answers)  # S1 = 10 * (1 + 1 + 2) / 4 = 10 -> flagged (>= 8)
    found, notes = st.evidence_check(Q, answers, scores, _facts())
    kinds = {(m.kind, m.item_id or m.section_id) for m in found}
    assert kinds == {("contradiction", "S2.1"), ("contradiction", "S2.2"),
                     ("contradiction", "S2.3"), ("flag", "S1")}  # fmt: skip
    text = {m.item_id or m.section_id: m.evidence for m in found}
    assert "0 of 51 cluster categories rated ≥ 2 stars (eco-classic, 2015)" in text["S2.1"]
    assert "0 of 10 emerging industries" in text["S2.2"]
    assert "Access to finance is a weakness" in text["S2.3"] and "85% of the EU average" in text["S2.3"]
    assert "78%" in text["S1"] and notes == []


def test_evidence_opportunity_and_no_contradiction_when_data_agree():
    strong = (("Automotive", 3), ("Chemicals", 2), ("Textiles", 2))
    answers = {"S2.1": "1", "S2.2": "yes", "S2.3": "2"}
    found, _ = st.evidence_check(Q, answers, st.section_scores(Q, answers),
                                 _facts(strong_clusters=strong, strong_emerging=(("Mobility", 2),)))
    assert [(m.kind, m.item_id) for m in found] == [("opportunity", "S2.1")]
    assert "3 of 51 cluster categories" in found[0].evidence and "Automotive (3★)" in found[0].evidence


def test_evidence_degrades_without_data():
    answers = {"S2.1": "5", "S2.3": "5"}
    facts = RegionFacts("XX11", "Testland")
    found, notes = st.evidence_check(Q, answers, st.section_scores(Q, answers), facts)
    assert found == [] and len(notes) == 3 and any("scoreboard" in n for n in notes)


def test_packaged_questionnaire_loads():
    q = questionnaire.load()
    sizes = [len(s.items) for s in q.sections]
    assert len(sizes) == 7 and 30 <= sum(sizes) <= 45
    assert all(s.sources for s in q.sections)
    assert {i.claim for s in q.sections for i in s.items} >= {"strong_clusters", "emerging_industries",
                                                               "knowledge_skills", "access_to_finance"}


@pytest.mark.parametrize("change, key", [
    (lambda d: d["sections"][1]["items"][0].update(scale="stars"), "sections[1].items[0].scale"),
    (lambda d: d["sections"][0]["items"][2].pop("guidance"), "sections[0].items[2].guidance: missing"),
    (lambda d: d["sections"][0].update(dimension="weather"), "sections[0].dimension"),
    (lambda d: d["sections"][2]["items"][1].update(weight=True), "sections[2].items[1].weight"),
    (lambda d: d["sections"][0]["items"][0].update(id="S2.1"), "sections[0].items[0].id"),
    (lambda d: d["sections"][0]["items"][0].update(claim="magic"), "sections[0].items[0].claim"),
    (lambda d: d.update(sections=d["sections"][:3]), "expected 30-45 questions in all, got 19"),
])  # fmt: skip
def test_loader_errors_name_the_key(change, key):
    import copy
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("clusterobs.data").joinpath(questionnaire.DEFAULT).read_text())
    data = copy.deepcopy(data)
    change(data)
    with pytest.raises(SchemaError) as err:
        questionnaire.parse(data, "test.yaml")
    assert key in str(err.value) and "test.yaml" in str(err.value)
