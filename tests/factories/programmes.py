"""A small « Un médecin près de chez vous » world for the programme tests."""

from __future__ import annotations

from datetime import UTC, datetime, time

from oasis.care.people import service as people
from oasis.care.programmes import service as missions
from oasis.care.sites import service as sites
from oasis.territory.supply import rpps_with_check_digit

NOW = datetime(2026, 6, 1, 5, tzinfo=UTC)  # Monday 1 June 2026, 07:00 in Paris
# CC Morvan Sommets et Grands Lacs (Nièvre): Château-Chinon (Ville) is in it.
ZONE_EPCI = "200067890"
RANKING = [{"epci": ZONE_EPCI, "name": "CC Morvan Sommets et Grands Lacs", "rank": 1,
            "score": 1234.5},
           {"epci": "200067882", "name": "CC Bazois Loire Morvan", "rank": 2, "score": 999.0}]


def make_mission_world(session, *, doctors: int = 2, geo=None):
    """A zone, an equipped mission site with a medical assistant, volunteer doctors."""
    missions.prefill_zones(session, RANKING)
    zone = next(z for z in missions.list_zones(session) if z.epci == ZONE_EPCI)
    location = sites.create_location(
        session, name="Hôpital de proximité de Château-Chinon", kind="hopital_proximite",
        commune_code="58062", nurse_present=True, equipment=["ECG", "radiologie"],
        hours=[(d, time(8), time(19)) for d in range(6)], geo=geo)
    people.create_staff(session, kind="medical_assistant", family_name="Marchand",
                        given_name="Chloé", location_id=location.id)
    site = missions.create_mission_site(session, location_id=location.id, zone_id=zone.id,
                                        geo=geo)
    volunteers = [people.create_practitioner(
        session, rpps=rpps_with_check_digit(f"{700 + i:010d}"), family_name=f"Volontaire{i}",
        given_name="Jean", specialty="generaliste") for i in range(doctors)]
    return zone, site, volunteers
