"""« Combien vais-je payer ? » — the simulator as a page, for everyone, signed in or not.

A plain GET form (no script of its own): the answer is the JSON simulator's own function,
so the page and ``POST /api/v1/billing/simulate`` cannot disagree.  A signed-in patient
finds the form pre-filled from their record (age, médecin traitant, mutuelle and whether
it is a partner) through :func:`oasis.care.billing.situation.profile_of`; nothing is
stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from oasis.care.billing import is_partner
from oasis.care.billing.situation import profile_of
from oasis.care.core.clock import paris_today
from oasis.care.core.vocab import SPECIALTIES
from oasis.web.api.billing import simulate_situation
from oasis.web.api.care_options import patient_of
from oasis.web.api.schemas.billing import SimulateIn
from oasis.web.kit.auth import visitor
from oasis.web.kit.deps import SessionDep
from oasis.web.kit.templating import render

router = APIRouter(include_in_schema=False)

ACTS = {"consultation": "Consultation au cabinet", "teleconsultation": "Téléconsultation",
        "nurse_assist": "Accompagnement par un infirmier (espace de télésanté)"}
CHANNELS = {"in_person": "Au cabinet", "video": "Vidéo", "phone": "Téléphone seul"}
FLAGS = ("mt", "oriente", "vu", "ald", "maternite", "c2s", "ame", "urgence", "organisation",
         "partenaire")


def _flag(q, name: str) -> bool:
    return q.get(name) in ("1", "on", "oui")


@router.get("/combien-vais-je-payer", response_class=HTMLResponse)
def price_page(request: Request, session: SessionDep) -> HTMLResponse:
    q = request.query_params
    who = visitor(request, session)
    form = {k: q.get(k, "") for k in ("date", "acte", "canal", "specialite", "secteur", "age",
                                      "medecin_traitant", "mutuelle", "taux")}
    form |= {k: _flag(q, k) for k in FLAGS}
    patient = patient_of(session, who.account, "simulation de prix")
    if patient is not None and not q:
        p = profile_of(patient, paris_today())
        form |= {"age": str(p.age), "medecin_traitant": "declared" if p.gp_id else "none",
                 "mutuelle": p.mutuelle_name or "",
                 "partenaire": is_partner(p.mutuelle_name,
                                          request.app.state.settings.partner_mutuelles)}
    session.commit()
    answer = errors = None
    status = 200
    if "acte" in q and form["age"]:  # a link that names only the act pre-fills the form
        try:
            body = SimulateIn.model_validate({
                "date": form["date"] or paris_today().isoformat(), "act": form["acte"],
                "channel": form["canal"] or "in_person",
                "doctor": {"specialty": form["specialite"] or "generaliste",
                           "sector": form["secteur"] or "1",
                           "is_patients_medecin_traitant": form["mt"]},
                "patient": {"age": form["age"] or None,
                            "medecin_traitant": form["medecin_traitant"] or "declared",
                            "referred": form["oriente"], "seen_in_person_12_months": form["vu"],
                            "ald": form["ald"], "maternity": form["maternite"],
                            "c2s": form["c2s"], "ame": form["ame"],
                            "emergency": form["urgence"],
                            "territorial_organisation": form["organisation"]},
                "mutuelle": ({"name": form["mutuelle"] or "Ma mutuelle",
                              "rate_percent_of_base": form["taux"] or 100,
                              "partner": form["partenaire"]}
                             if form["mutuelle"] or form["partenaire"] else None)})
            answer = simulate_situation(body)
        except ValidationError as exc:
            status = 422
            errors = [f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in exc.errors()]
    return render(request, "patient/combien.html", who, status_code=status,
                  title="Combien vais-je payer ?", section="combien", form=form,
                  answer=answer, errors=errors, acts=ACTS, channels=CHANNELS,
                  specialties=SPECIALTIES, today=paris_today())
