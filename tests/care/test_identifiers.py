"""NIR, RPPS and FINESS keys: published examples, Corsica, and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oasis.care.core.identifiers import (
    InvalidIdentifier,
    finess_with_key,
    nir_is_valid,
    nir_key,
    nir_with_key,
    normalise_finess,
    normalise_nir,
    normalise_rpps,
    rpps_with_check_digit,
)


def test_published_nir_examples():
    # The example NIR of the French Wikipedia article, and the one of many forms.
    assert normalise_nir("2 55 08 14 168 025 38") == "255081416802538"
    assert normalise_nir("1 85 05 78 006 084 91") == "185057800608491"
    with pytest.raises(InvalidIdentifier, match="clé du NIR incorrecte"):
        normalise_nir("2 55 08 14 168 025 39")


def test_corsica_nir_uses_19_and_18_for_the_key():
    # 2A counts as 19 and 2B as 18 (INSEE rule); the letters stay in the NIR.
    body_a = "16905" + "2A" + "004012"
    body_b = "16905" + "2B" + "004012"
    assert nir_key(body_a) == 97 - int("16905" + "19" + "004012") % 97
    assert nir_key(body_b) == 97 - int("16905" + "18" + "004012") % 97
    assert normalise_nir(nir_with_key(body_a)).startswith("169052A")
    assert nir_is_valid(nir_with_key(body_b))
    # The same digits with 2A's key but under 2B are refused.
    wrong = body_b + f"{nir_key(body_a):02d}"
    assert not nir_is_valid(wrong)


@pytest.mark.parametrize("bad,message", [
    ("12345", "15 caractères"),
    ("555081416802538", "mal formé"),  # sex digit 5
    ("2551314168025" + "00", "mois"),
    ("2550814168025AB", "mal formé"),
])
def test_bad_nir_messages(bad, message):
    with pytest.raises(InvalidIdentifier, match=message):
        normalise_nir(bad)


nir_bodies = st.builds(
    lambda sex, yy, mm, dep, com, rank: f"{sex}{yy:02d}{mm:02d}{dep}{com:03d}{rank:03d}",
    st.sampled_from("12"), st.integers(0, 99), st.integers(1, 12),
    st.one_of(st.integers(1, 95).map(lambda d: f"{d:02d}").filter(lambda d: d != "20"),
              st.sampled_from(["2A", "2B"])),
    st.integers(1, 999), st.integers(1, 999))


@given(nir_bodies)
def test_every_completed_nir_is_valid(body):
    nir = nir_with_key(body)
    assert len(nir) == 15 and normalise_nir(nir) == nir
    assert 1 <= int(nir[-2:]) <= 97


@given(nir_bodies, st.integers(0, 12), st.integers(1, 9))
def test_nir_key_catches_any_single_digit_change(body, position, delta):
    nir = nir_with_key(body)
    if not nir[position].isdigit():
        return  # the A/B of Corsica
    changed = nir[:position] + str((int(nir[position]) + delta) % 10) + nir[position + 1:]
    # A changed digit may make the NIR malformed (e.g. month 13) or keep it well formed:
    # either way it must not validate, since 97 is prime and > 10.
    assert not nir_is_valid(changed)


def test_rpps_examples():
    rpps = rpps_with_check_digit("1000000000")
    assert normalise_rpps(rpps[:3] + " " + rpps[3:]) == rpps
    with pytest.raises(InvalidIdentifier, match="11 chiffres"):
        normalise_rpps("1234")
    wrong = rpps[:-1] + str((int(rpps[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="contrôle"):
        normalise_rpps(wrong)


@given(st.text("0123456789", min_size=10, max_size=10), st.integers(0, 10), st.integers(1, 9))
def test_rpps_luhn_catches_single_digit_errors(first10, position, delta):
    rpps = rpps_with_check_digit(first10)
    assert normalise_rpps(rpps) == rpps
    changed = rpps[:position] + str((int(rpps[position]) + delta) % 10) + rpps[position + 1:]
    with pytest.raises(InvalidIdentifier):
        normalise_rpps(changed)


def test_finess_examples():
    assert normalise_finess("750712184") == "750712184"  # AP-HP, published FINESS
    with pytest.raises(InvalidIdentifier, match="clé"):
        normalise_finess("750712185")
    with pytest.raises(InvalidIdentifier, match="9 caractères"):
        normalise_finess("7507121")
    corsica = finess_with_key("2A000001")
    assert normalise_finess(corsica) == corsica


@given(st.text("0123456789", min_size=8, max_size=8), st.integers(0, 8), st.integers(1, 9))
def test_finess_key_catches_single_digit_errors(first8, position, delta):
    finess = finess_with_key(first8)
    assert normalise_finess(finess) == finess
    changed = finess[:position] + str((int(finess[position]) + delta) % 10) + finess[position + 1:]
    with pytest.raises(InvalidIdentifier):
        normalise_finess(changed)
