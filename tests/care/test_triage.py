"""Red flags never reach the teleconsultation queue."""

import pytest

from oasis.care.teleconsult.triage import RED_FLAGS, UnknownFlagError, triage


def test_no_flag_joins_queue():
    decision = triage([], "renouvellement d'ordonnance pour ma tension")
    assert decision.allowed_in_queue and decision.flags == []


@pytest.mark.parametrize("flag", sorted(set(RED_FLAGS) - {"infant_fever"}))
def test_each_structured_flag_routes_to_emergency(flag):
    decision = triage([flag])
    assert decision.route == "emergency" and flag in decision.flags
    assert "15" in decision.message or "3114" in decision.message


@pytest.mark.parametrize("reason", [
    "J'ai une DOULEUR THORACIQUE depuis 20 minutes",
    "mon père a la bouche de travers, peut-être un AVC",
    "ma fille s'est évanouie",
    "je veux en finir",
])
def test_free_text_safety_net(reason):
    assert triage([], reason).route == "emergency"


def test_suicidal_thoughts_get_3114():
    assert "3114" in triage(["suicidal"]).message


def test_infant_fever_only_under_three_months():
    assert triage(["infant_fever"], age_months=2).route == "emergency"
    assert triage(["infant_fever"], age_months=30).allowed_in_queue


def test_words_inside_other_words_do_not_trigger():
    assert triage([], "je travaille dans une pavcorp").allowed_in_queue


def test_unknown_flag_is_an_error():
    with pytest.raises(UnknownFlagError):
        triage(["headache_mild"])
