"""Vital-sign validation: typos refused with a clear French message, real values kept."""

import pytest

from oasis.care.teleconsult.vitals import Vitals, VitalsError, describe, parse_vitals


def test_full_entry_with_french_decimals():
    vitals = parse_vitals({"systolic": "135", "diastolic": 85, "temperature": "38,4",
                           "spo2": 94, "weight": "72,35"})
    assert vitals == Vitals(135, 85, 38.4, 94, 72.3)
    assert describe(vitals) == ["Tension : 135/85 mmHg", "Température : 38,4 °C",
                                "SpO2 : 94 %", "Poids : 72,3 kg"]
    assert vitals.as_dict()["temperature"] == 38.4


def test_partial_entry_and_blank_fields():
    assert parse_vitals({"spo2": "88", "temperature": "", "weight": None}).as_dict() == {
        "spo2": 88}


def test_alarming_but_real_values_pass():
    assert parse_vitals({"systolic": 230, "diastolic": 130, "spo2": 78}).spo2 == 78


@pytest.mark.parametrize("raw, message", [
    ({"systolic": 1200, "diastolic": 80},
     "Tension systolique : 1200 mmHg est hors de la plage admise (50 à 280 mmHg)."),
    ({"temperature": 101.3},
     "Température : 101,3 °C est hors de la plage admise (30,0 à 45,0 °C)."),
    ({"spo2": 101}, "Saturation en oxygène (SpO2) : 101 % est hors de la plage admise"),
    ({"weight": "abc"}, "Poids : « abc » n'est pas un nombre."),
    ({"spo2": 95.5}, "un nombre entier est attendu"),
    ({"systolic": 120}, "Tension : indiquez la systolique et la diastolique."),
    ({"systolic": 80, "diastolic": 90}, "la systolique (80 mmHg) doit être supérieure"),
    ({}, "Aucune mesure saisie."),
    ({"pulse": 70}, "Champ inconnu : pulse."),
    ({"weight": True}, "Poids : valeur non numérique."),
    ({"temperature": float("nan")}, "Température : valeur non numérique."),
])
def test_refused_with_clear_message(raw, message):
    with pytest.raises(VitalsError) as err:
        parse_vitals(raw)
    assert message in str(err.value)


def test_all_errors_reported_at_once():
    with pytest.raises(VitalsError) as err:
        parse_vitals({"temperature": 20, "weight": -3, "spo2": "x"})
    assert len(err.value.errors) == 3
