"""« Mes proches » without a browser: add a child in « Mon profil », declare their
médecin traitant, book for them from « Pour qui ? », see and move it in « Mes
rendez-vous »; a patient who is not theirs is the 404 page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import utcnow
from oasis.care.core.db import session_factory
from oasis.care.people.models import Patient, PatientGuardian
from oasis.care.scheduling.models import Slot
from tests.web.pages.test_patient_pages import (  # noqa: F401
    assert_accessible_form,
    client,
    csrf_of,
    signup,
)

CHILD = {"given_name": "Léo", "family_name": "Durand", "birth_date": "2019-03-02",
         "sex": "M", "relation": "enfant", "nir": ""}


def _free_slots(db_url, n=2) -> list[int]:
    s = session_factory(db_url)()
    ids = list(s.scalars(select(Slot.id).where(Slot.status == "free",
                                               Slot.start_at > utcnow(),
                                               Slot.mode == "in_person")
                         .order_by(Slot.start_at).limit(n)).all())
    s.close()
    return ids


def test_add_a_child_book_for_them_and_see_it(client, db_url):  # noqa: F811
    assert signup(client).status_code == 303
    page = client.get("/mon-profil")
    assert page.status_code == 200 and "Mes proches" in page.text
    assert_accessible_form(page.text)
    bad = client.post("/mon-profil/proches", data={**CHILD, "relation": "cousin",
                                                   "csrf": csrf_of(page.text)})
    assert bad.status_code == 422 and "Lien inconnu" in bad.text
    assert 'value="Léo"' in bad.text  # what was typed is kept
    bad = client.post("/mon-profil/proches", data={**CHILD, "birth_date": "31/02/2019",
                                                   "csrf": csrf_of(page.text)})
    assert bad.status_code == 422 and "Date de naissance invalide" in bad.text
    assert client.post("/mon-profil/proches", data=CHILD).status_code == 403  # no CSRF
    r = client.post("/mon-profil/proches", data={**CHILD, "csrf": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303
    child_id = int(re.search(r"/mon-profil/proches/(\d+)\?enregistre=proche",
                             r.headers["location"]).group(1))
    own = client.get(r.headers["location"])
    assert own.status_code == 200 and "Votre proche est enregistré·e." in own.text
    assert "avant 16 ans" in own.text
    assert_accessible_form(own.text)
    # their médecin traitant, searched among the practitioners
    found = client.get(f"/mon-profil/proches/{child_id}?medecin=moreau").text
    pid = re.search(r'name="practitioner_id" value="(\d+)"', found).group(1)
    r = client.post("/mon-profil/medecin-traitant", follow_redirects=False,
                    data={"csrf": csrf_of(found), "practitioner_id": pid,
                          "pour": str(child_id)})
    assert r.headers["location"] == (f"/mon-profil/proches/{child_id}"
                                     "?enregistre=proche-medecin")
    s = session_factory(db_url)()
    child = s.get(Patient, child_id)
    holder = s.scalar(select(PatientGuardian.guardian_id))
    assert (child.gp_id, s.get(Patient, holder).gp_id) == (int(pid), None)
    s.close()
    # the profile lists the child
    listed = client.get("/mon-profil").text
    assert f'href="/mon-profil/proches/{child_id}">Léo Durand</a>' in listed

    # « Pour qui ? » on the confirmation page, each with their own price
    first, second = _free_slots(db_url)
    confirm = client.get(f"/rendez-vous/confirmer?creneau={first}")
    assert confirm.status_code == 200 and "Pour qui ?" in confirm.text
    assert f'id="pour-{child_id}"' in confirm.text
    for_child = client.get(f"/rendez-vous/confirmer?creneau={first}&pour={child_id}").text
    assert f'data-person="{child_id}">' in for_child  # the child's detail is shown
    child_block = for_child.split(f'data-person="{child_id}">')[1].split("</dl>")[0]
    assert 'class="pour-qui">Léo Durand<' in child_block
    assert "il vous reste 9,00 €" in child_block  # 70 % of 30 €, no participation (minor)
    assert client.get(f"/rendez-vous/confirmer?creneau={first}&pour=999999"
                      ).status_code == 404
    r = client.post("/rendez-vous/confirmer", follow_redirects=False,
                    data={"csrf": csrf_of(for_child), "creneau": first,
                          "pour": str(child_id), "motif": "Fièvre"})
    assert r.status_code == 303, r.text
    appointment_id = int(r.headers["location"].rsplit("=", 1)[1])
    s = session_factory(db_url)()
    assert s.get(Appointment, appointment_id).patient_id == child_id
    s.close()
    mine = client.get("/mes-rendez-vous").text
    assert "Pour <strong>Léo Durand</strong>" in mine
    # the account holder moves it
    move = client.get(f"/mes-rendez-vous/{appointment_id}/deplacer")
    assert move.status_code == 200
    r = client.post(f"/mes-rendez-vous/{appointment_id}/deplacer", follow_redirects=False,
                    data={"csrf": csrf_of(move.text), "slot_id": second})
    assert r.status_code == 303, r.text


def test_a_patient_not_theirs_is_the_404_page(client, db_url):  # noqa: F811
    assert signup(client).status_code == 303
    page = client.get("/mon-profil").text
    r = client.post("/mon-profil/proches", data={**CHILD, "csrf": csrf_of(page)},
                    follow_redirects=False)
    child_id = int(re.search(r"/proches/(\d+)", r.headers["location"]).group(1))
    other = TestClient(client.app)
    assert other.get(f"/mon-profil/proches/{child_id}",
                     follow_redirects=False).status_code == 303  # sign in first
    s = session_factory(db_url)()
    s.execute(PatientGuardian.__table__.delete())  # the child is no longer theirs
    s.commit()
    s.close()
    assert client.get(f"/mon-profil/proches/{child_id}").status_code == 404
    r = client.post("/mon-profil/medecin-traitant", data={
        "csrf": csrf_of(page), "declared_name": "Dr X", "pour": str(child_id)})
    assert r.status_code == 404
    first = _free_slots(db_url, 1)[0]
    r = client.post("/rendez-vous/confirmer", data={
        "csrf": csrf_of(page), "creneau": first, "pour": str(child_id)})
    assert r.status_code == 404


def test_a_nir_on_oasis_gets_the_same_page_as_a_new_one(client, db_url):  # noqa: F811
    """« Mes proches » form: a NIR already registered and a new one lead to the same
    redirect and the same message (« Le NIR sera vérifié par le secrétariat »)."""
    assert signup(client).status_code == 303

    def nir(body13: str) -> str:
        return body13 + f"{97 - int(body13) % 97:02d}"

    def add(given: str, value: str) -> str:
        page = client.get("/mon-profil")
        r = client.post("/mon-profil/proches", data={**CHILD, "given_name": given,
                                                      "nir": value,
                                                      "csrf": csrf_of(page.text)},
                        follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        return r.headers["location"]

    first = add("Léo", nir("1190358194001"))
    taken, fresh = add("Tom", nir("1190358194001")), add("Tim", nir("1190358194003"))
    assert re.sub(r"\d+", "N", taken) == re.sub(r"\d+", "N", fresh) \
        == re.sub(r"\d+", "N", first)
    shown = [client.get(url) for url in (taken, fresh)]
    for page, value in zip(shown, (nir("1190358194001"), nir("1190358194003")), strict=True):
        assert page.status_code == 200
        assert "Le NIR sera vérifié par le secrétariat." in page.text
        assert f'value="{value}"' in page.text
