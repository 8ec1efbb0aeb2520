"""REST API of the teleconsultation journey under ``/api/v1``.

Queue → consultation → record, measurements, prescription, orientation → closing with the
billing statement → monthly export.  Routes commit before answering; live queue updates
are published on the hub *after* the commit (a background task), so a position pushed
to a patient is never ahead of the database.  The websocket lives in
:mod:`oasis.web.live.queue`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from oasis.care.accounts import throttle
from oasis.care.audit.service import record
from oasis.care.core.actor import Actor
from oasis.care.core.clock import paris_today
from oasis.care.core.errors import Forbidden, Invalid, NotFound
from oasis.care.core.inputs import ID_MAX
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.finder.places import PlaceError, resolve
from oasis.care.people import service as people
from oasis.care.people.models import Patient, Practitioner
from oasis.care.teleconsult import billing as tele_billing
from oasis.care.teleconsult import encounters, exchanges, prescriptions, queue, referrals
from oasis.care.teleconsult.billing import Situation, export_csv
from oasis.care.teleconsult.models import (
    BillingStatement,
    Encounter,
    MedicationRequest,
    QueueEntry,
    ServiceRequest,
)
from oasis.care.teleconsult.queue import QueueView
from oasis.care.teleexpertise.attachments import store_for
from oasis.web.api.schemas.teleconsult import (
    AttachmentOut,
    CallOut,
    CloseOut,
    EmergencyOut,
    EncounterOut,
    EttPatientOut,
    HeartbeatOut,
    JoinIn,
    JoinOut,
    MeasurementOut,
    MessageIn,
    MessageOut,
    PrescriptionIn,
    PrescriptionOut,
    PresenceIn,
    PresenceOut,
    QueueSummaryOut,
    RecordIn,
    ReferralIn,
    ReferralOut,
    SituationIn,
    SpecialtiesOut,
    StatementOut,
    TakeNextOut,
    VerificationOut,
)
from oasis.web.kit.auth import ActorDep, client_address, require_role
from oasis.web.kit.deps import Id, SessionDep, SettingsDep
from oasis.web.kit.download import attachment
from oasis.web.kit.rooms import call_link
from oasis.web.live.queue import notify_queue
from oasis.web.live.visio import end_room, publish_chat

router = APIRouter(prefix="/api/v1", tags=["téléconsultation"])


# ----------------------------------------------------------------------------- output
def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def encounter_out(e: Encounter) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": e.id, "status": e.status, "mode": e.mode,
            "patient_id": e.patient_id, "practitioner_id": e.practitioner_id,
            "nurse_staff_id": e.nurse_staff_id, "location_id": e.location_id,
            "queue_entry_id": e.queue_entry_id, "reason": e.reason,
            "triage_answers": e.triage_answers, "callback_phone": e.callback_phone,
            "notes": e.notes, "diagnosis": {"text": e.diagnosis_text, "code": e.diagnosis_code},
            "started_at": iso(e.started_at), "ended_at": iso(e.ended_at),
            "duration_seconds": e.duration_seconds,
            "measurements": [{"id": m.event_id, "recorded_at": iso(m.recorded_at),
                              "role": m.role, "name": m.name, "values": m.values}
                             for m in e.measurements]}


def statement_out(st: BillingStatement) -> dict[str, Any]:
    return {"encounter_id": st.encounter_id, "act_code": st.act_code,
            "act_date": st.act_date.isoformat(), "tariff_cents": st.tariff_cents,
            "fee_cents": st.fee_cents, "amo_cents": st.amo_cents,
            "mutuelle_name": st.mutuelle_name, "mutuelle_cents": st.mutuelle_cents,
            "patient_cents": st.patient_cents,
            "patient_advance_cents": st.patient_advance_cents,
            "tiers_payant": st.tiers_payant, "situation": st.situation,
            "amo_rate_percent": st.details.get("amo_rate_percent"),
            "participation_forfaitaire_cents": st.details.get("participation_forfaitaire_cents"),
            "tariff_source": st.details.get("tariff_source"), "notes": st.details.get("notes")}


def prescription_out(rx: MedicationRequest) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rx.id, "encounter_id": rx.encounter_id,
            "patient_id": rx.patient_id, "practitioner_id": rx.practitioner_id,
            "issued_at": iso(rx.issued_at), "status": rx.status, "lines": rx.lines,
            "pdf_url": f"/api/v1/prescriptions/{rx.id}/pdf"}


def referral_out(r: ServiceRequest) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": r.id, "encounter_id": r.encounter_id,
            "patient_id": r.patient_id, "practitioner_id": r.practitioner_id,
            "target_location_id": r.target_location_id,
            "target_location_name": r.target_location.name if r.target_location else None,
            "specialty": r.specialty, "reason": r.reason, "priority": r.priority,
            "status": r.status, "created_at": iso(r.created_at)}


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ------------------------------------------------------------------------------ queue
def _ett_patient(session, actor: Actor, body: JoinIn) -> int:
    if body.patient_id is not None:
        # The nurse proves the patient is in front of them: a patient id alone would let
        # any ETT open (and then read) anyone's record.  Misses are throttled per nurse
        # and per patient, so a birth date cannot be found by trying them all.
        keys = [(throttle.ETT_NURSE, f"account-{actor.account_id}"),
                (throttle.ETT_PATIENT, f"patient-{body.patient_id}")]
        throttle.check(session, "ett", keys)
        patient = session.get(Patient, body.patient_id)
        if patient is None or patient.birth_date != body.patient_birth_date:
            record(session, actor, "create", "QueueEntry", None,
                   patient_id=body.patient_id if patient is not None else None,
                   purpose="séance ETT : identité non vérifiée", outcome="denied")
            throttle.fail(session, keys)  # commits the audit event with the count
            raise NotFound("patient introuvable (vérifiez la date de naissance)",
                           code="not_found")
        return body.patient_id
    if body.new_patient is None:
        raise Invalid("ETT : indiquez patient_id ou new_patient", code="patient_required")
    data = body.new_patient.model_dump()
    typed = data.pop("commune")
    if data["commune_code"] is None:
        data["commune_code"] = _commune_code(typed)
    p = people.create_patient(session, actor, **data)
    return p.id


def _commune_code(typed: str | None) -> str:
    """The INSEE code of what the nurse typed (a name or a postal code)."""
    try:
        return resolve(typed, codes="ask").code
    except PlaceError as exc:
        choices = ", ".join(c.label for c in exc.suggestions)
        raise Invalid(exc.message + (f" : {choices}" if choices else ""),
                      code=exc.code) from exc


@router.get("/teleconsult/ett/patients", response_model=list[EttPatientOut],
            summary="ETT : retrouver le patient accueilli (nom et date de naissance)")
def ett_find_patient(session: SessionDep, actor: ActorDep,
                     nom: Annotated[str, Query(min_length=1, max_length=100)],
                     naissance: date) -> list[dict]:
    found = people.find_for_ett(session, actor, nom, naissance)
    session.commit()
    return [{"id": p.id, "family_name": p.family_name, "given_name": p.given_name,
             "birth_date": p.birth_date, "commune_code": p.commune_code} for p in found]


@router.post("/teleconsult/queue", status_code=201, response_model=JoinOut,
             summary="Rejoindre la file (24 h/24)",
             responses={200: {"model": EmergencyOut, "description": "Signes d'alerte : appelez "
                                                                "le 15 / 112, pas de file"}})
def join_queue(body: JoinIn, request: Request, session: SessionDep, actor: ActorDep,
               background: BackgroundTasks) -> Any:
    if body.mode == "ett":
        if actor.role != "nurse":
            raise Forbidden("une séance en espace de télésanté est ouverte par "
                            "l'infirmier·ère du site", code="ett_nurse_only")
        queue.ett_site(session, actor)  # before the patient: a refusal says nothing of them
        patient_id = _ett_patient(session, actor, body)
    elif actor.role != "patient":
        raise Forbidden("seul le patient rejoint la file pour lui-même", code="forbidden_role")
    else:
        # « Pour qui ? »: a relative the account manages, itself by default; queue.join
        # answers 404 for anyone the account does not speak for.
        patient_id = body.patient_id if body.patient_id is not None else actor.patient_id
    out = queue.join(session, actor, patient_id=patient_id, reason=body.reason,
                     triage_answers=body.triage, specialty=body.specialty, mode=body.mode,
                     callback_phone=body.callback_phone)
    session.commit()
    if isinstance(out, queue.EmergencyRouting):
        return JSONResponse({"queued": False, "route": "emergency", "message": out.message,
                             "flags": out.flags, "numbers": out.numbers}, status_code=200)
    background.add_task(notify_queue, request.app, "joined", out.specialty)
    return {"queued": True, "entry": queue.view(session, out).as_dict(),
            "patient_id": out.patient_id, "live": f"/ws/teleconsult/queue/{out.id}",
            "reimbursement": reimbursement_out(session, out.patient_id, out.mode,
                                              out.specialty, request)}


def reimbursement_out(session, patient_id: int, mode: str, specialty: str,
                      request: Request) -> dict:
    """Before the call: will the Assurance Maladie reimburse it, why, what is left to pay.

    Read from the patient's record (the doctor on duty is not known yet); the doctor
    confirms the conditions when closing.
    """
    patient = session.get(Patient, patient_id)
    decision, st = tele_billing.conditions(
        session, patient, None, mode, specialty, paris_today(),
        partners=request.app.state.settings.partner_mutuelles)
    session.commit()
    return {"reimbursable": decision.reimbursable, "reasons": decision.reasons,
            "act_code": st.act_code, "patient_cents": st.patient_cents,
            "patient_advance_cents": st.patient_advance_cents,
            "tiers_payant": st.tiers_payant}


@router.get("/teleconsult/queue/{entry_id}", response_model=QueueView,
            summary="Ma place dans la file")
def queue_position(entry_id: Id, session: SessionDep, actor: ActorDep) -> dict:
    out = queue.get_view(session, actor, entry_id).as_dict()
    session.commit()
    return out


@router.delete("/teleconsult/queue/{entry_id}", response_model=QueueView,
               summary="Quitter la file")
def leave_queue(entry_id: Id, request: Request, session: SessionDep, actor: ActorDep,
                background: BackgroundTasks) -> dict:
    entry = queue.leave(session, actor, entry_id)
    session.commit()
    background.add_task(notify_queue, request.app, "left", entry.specialty)
    return queue.view(session, entry).as_dict()


@router.get("/teleconsult/queue", response_model=QueueSummaryOut,
            summary="État de la file (médecins)")
def queue_summary(session: SessionDep,
                  actor: Annotated[Actor, Depends(require_role("practitioner"))],
                  specialty: str | None = None) -> dict:
    doctor = session.get(Practitioner, actor.practitioner_id)
    return queue.summary(session, specialty or doctor.specialty) | {
        "me": queue.presence_of(session, doctor.id),
        "open_encounter_id": encounters.open_encounter_of(session, doctor.id)}


@router.put("/teleconsult/presence", response_model=PresenceOut,
            summary="Je suis disponible / indisponible")
def set_presence(body: PresenceIn, request: Request, session: SessionDep, actor: ActorDep,
                 background: BackgroundTasks) -> dict:
    presence = queue.set_presence(session, actor, body.status)
    session.commit()
    specialty = session.get(Practitioner, presence.practitioner_id).specialty
    background.add_task(notify_queue, request.app, "presence", specialty)
    return {"practitioner_id": presence.practitioner_id, "status": presence.status,
            "since": iso(presence.since)}


@router.post("/teleconsult/presence/heartbeat", response_model=HeartbeatOut,
             summary="La page de garde est toujours ouverte (toutes les 20 s)")
def presence_heartbeat(session: SessionDep, actor: ActorDep) -> dict:
    status = queue.heartbeat(session, actor)
    session.commit()
    return {"status": status}


@router.post("/teleconsult/queue/next", response_model=TakeNextOut, status_code=201,
             summary="Prendre le patient suivant",
             responses={404: {"description": "File vide (code queue_empty)"},
                        409: {"description": "Non disponible ou déjà en consultation"}})
def take_next(request: Request, session: SessionDep, settings: SettingsDep, actor: ActorDep,
              background: BackgroundTasks) -> dict:
    encounter = queue.take_next(session, actor)
    session.commit()
    entry = session.get(QueueEntry, encounter.queue_entry_id)
    background.add_task(notify_queue, request.app, "taken", entry.specialty, entry.id)
    return {"encounter": encounter_out(encounter),
            "call": call_link(session, settings, actor, encounter.id)}


# -------------------------------------------------------------------------- encounters
@router.get("/encounters", response_model=list[EncounterOut], summary="Mes téléconsultations")
def my_encounters(session: SessionDep, actor: ActorDep,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0) -> list[dict]:
    rows = encounters.list_encounters(session, actor, limit, offset)
    session.commit()
    return [encounter_out(e) for e in rows]


@router.get("/encounters/{encounter_id}", response_model=EncounterOut,
            summary="Compte rendu de téléconsultation")
def get_encounter(encounter_id: Id, session: SessionDep, actor: ActorDep) -> dict:
    e = encounters.get_encounter(session, actor, encounter_id)
    out = encounter_out(e)
    out["prescriptions"] = [prescription_out(rx) for rx in
                            prescriptions.list_for_encounter(session, e.id)
                            if prescriptions.may_read(session, actor, rx)]
    session.commit()
    return out


@router.patch("/encounters/{encounter_id}", response_model=EncounterOut,
              summary="Rédiger le compte rendu")
def write_record(encounter_id: Id, body: RecordIn, session: SessionDep,
                 actor: ActorDep) -> dict:
    e = encounters.update_record(session, actor, encounter_id, **body.model_dump())
    session.commit()
    return encounter_out(e)


@router.get("/encounters/{encounter_id}/call", response_model=CallOut,
            summary="Lien de l'appel vidéo (participants)")
def encounter_call(encounter_id: Id, session: SessionDep, settings: SettingsDep,
              actor: ActorDep, for_patient: bool = False) -> dict:
    """``for_patient=true``: the ETT nurse opens the walk-in patient's link."""
    return call_link(session, settings, actor, encounter_id, for_patient)


@router.post("/encounters/{encounter_id}/measurements", response_model=MeasurementOut,
             status_code=201,
             summary="Saisir des mesures (infirmier·ère ETT, médecin)")
def add_measurement(encounter_id: Id, values: dict[str, Any], session: SessionDep,
                    actor: ActorDep) -> dict:
    m = encounters.measure(session, actor, encounter_id, values)
    session.commit()
    return {"id": m.event_id, "recorded_at": iso(m.recorded_at), "values": m.values}


@router.post("/encounters/{encounter_id}/close", response_model=CloseOut,
             summary="Clore la consultation (facturation)")
def close_encounter(encounter_id: Id, body: SituationIn, request: Request,
                    session: SessionDep, settings: SettingsDep, actor: ActorDep,
                    background: BackgroundTasks) -> dict:
    e, st = encounters.close(session, actor, encounter_id, Situation(**body.model_dump()),
                             partners=settings.partner_mutuelles)
    session.commit()
    specialty = session.get(Practitioner, e.practitioner_id).specialty
    background.add_task(notify_queue, request.app, "closed", specialty)
    background.add_task(end_room, request.app, e.room)
    return {"encounter": encounter_out(e), "statement": statement_out(st)}


@router.get("/encounters/{encounter_id}/statement", response_model=StatementOut,
            summary="Feuille de soins")
def get_statement(encounter_id: Id, session: SessionDep, actor: ActorDep) -> dict:
    st = encounters.statement_for(session, actor, encounter_id)
    session.commit()
    return statement_out(st)


# ---------------------------------------------------------------------- prescriptions
@router.post("/encounters/{encounter_id}/prescriptions", response_model=PrescriptionOut,
             status_code=201,
             summary="Prescrire (ordonnance électronique)")
def prescribe(encounter_id: Id, body: PrescriptionIn, request: Request, session: SessionDep,
              settings: SettingsDep, actor: ActorDep) -> dict:
    rx = prescriptions.issue(session, actor, encounter_id,
                             [line.model_dump() for line in body.lines])
    session.commit()
    return prescription_out(rx) | {"verify_url": prescriptions.verify_url(
        base_url(request), rx.id, settings.secret_key)}


@router.get("/prescriptions/verify/{prescription_id}", response_model=VerificationOut,
            tags=["public"],
            summary="Vérifier une ordonnance (public, sans contenu)")
def verify_prescription(prescription_id: str, request: Request, session: SessionDep,
                        settings: SettingsDep,
                        code: Annotated[str, Query(max_length=40)] = "") -> dict:
    """Wrong codes are throttled per address: codes cannot be found by trying them all."""
    keys = [(throttle.RX_ADDRESS, client_address(request) or "unknown")]
    throttle.check(session, "rx", keys)
    out = prescriptions.check(session, prescription_id[:40], code, settings.secret_key)
    if not out["genuine"]:
        throttle.fail(session, keys)
    return out


@router.get("/prescriptions/{prescription_id}", response_model=PrescriptionOut,
            summary="Une ordonnance (patient, prescripteur)")
def get_prescription(prescription_id: str, session: SessionDep, actor: ActorDep) -> dict:
    rx = prescriptions.get(session, actor, prescription_id)
    session.commit()
    return prescription_out(rx)


@router.get("/prescriptions/{prescription_id}/pdf", response_class=Response,
            summary="Ordonnance en PDF (patient, prescripteur)")
def prescription_pdf(prescription_id: str, request: Request, session: SessionDep,
                     settings: SettingsDep, actor: ActorDep) -> Response:
    rx = prescriptions.get(session, actor, prescription_id, "téléchargement de l'ordonnance")
    body = prescriptions.pdf(session, rx, settings.secret_key, base_url(request))
    session.commit()
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": attachment(f"ordonnance-{rx.id}.pdf"),
        "Cache-Control": "no-store"})


# -------------------------------------------------------------------------- referrals
@router.post("/encounters/{encounter_id}/referrals", response_model=ReferralOut, status_code=201,
             summary="Orienter vers un site ou une spécialité")
def refer(encounter_id: Id, body: ReferralIn, session: SessionDep, actor: ActorDep) -> dict:
    r = referrals.create(session, actor, encounter_id, **body.model_dump())
    session.commit()
    return referral_out(r)


@router.get("/referrals/mine", response_model=list[ReferralOut],
            summary="Mes orientations (patient)")
def my_referrals(session: SessionDep, actor: ActorDep) -> list[dict]:
    if actor.role != "patient":
        raise Forbidden("réservé aux patients", code="forbidden_role")
    rows = referrals.for_patient(session, actor)
    session.commit()
    return [referral_out(r) for r in rows]


@router.get("/referrals/{referral_id}", response_model=ReferralOut,
            summary="Une orientation, avec les créneaux proches")
def get_referral(referral_id: Id, session: SessionDep, settings: SettingsDep,
                 actor: ActorDep) -> dict:
    r = referrals.get(session, actor, referral_id)
    out = referral_out(r)
    if actor.role == "patient":
        out["in_person_options"] = referrals.in_person_options(
            session, r, partners=tuple(settings.partner_mutuelles))
    session.commit()
    return out


@router.get("/sites/{location_id}/referrals", response_model=list[ReferralOut],
            summary="Orientations reçues par un site")
def site_referrals(location_id: Id, session: SessionDep, actor: ActorDep) -> list[dict]:
    rows = referrals.for_site(session, actor, location_id)
    session.commit()
    return [referral_out(r) for r in rows]


# ----------------------------------------------------------------------------- billing
@router.get("/billing/export", response_class=Response, tags=["facturation"],
            summary="Export mensuel par payeur (CSV, centimes)")
def billing_export(session: SessionDep,
                   _actor: Annotated[Actor, Depends(require_role("coordinator", "admin"))],
                   month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$",
                                               description="AAAA-MM")],
                   payer: Annotated[str, Query(min_length=1, max_length=100,
                                               description="Assurance Maladie ou une "
                                                           "mutuelle")]) -> Response:
    body = export_csv(session, month, payer)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"oasis-{month}-{payer}.csv")})


# ----------------------------------------------------- specialties, files and the chat
@router.get("/teleconsult/specialties", response_model=SpecialtiesOut,
            summary="Spécialités proposées maintenant dans la file")
def offered_specialties(session: SessionDep) -> dict:
    """No health data: the same answer for everyone, signed in or not."""
    found = queue.available_specialties(session)
    return {"general": {"code": queue.GP, "label": SPECIALTIES[queue.GP]},
            "specialties": [{"code": c, "label": SPECIALTIES[c]} for c in found],
            "message": None if found else queue.NO_SPECIALIST.capitalize()}


def attachment_store(settings):
    """The téléexpertise store: one directory, one rule for every attachment."""
    return store_for(settings.database_url, settings.attachments_dir)


async def _read_one(file: UploadFile, max_bytes: int) -> bytes:
    return await file.read(max_bytes + 1)  # enough to refuse a larger one


@router.post("/teleconsult/queue/{entry_id}/attachments", response_model=AttachmentOut,
             status_code=201,
             summary="Joindre une photo ou un document en attendant (JPEG, PNG, PDF)",
             responses={413: {"description": "Fichier trop volumineux"},
                        422: {"description": "Type refusé (reconnu au contenu)"}})
async def attach_while_waiting(entry_id: Id, session: SessionDep, settings: SettingsDep,
                               actor: ActorDep, file: Annotated[UploadFile, File()]) -> dict:
    max_bytes = min(settings.attachment_max_bytes, exchanges.MAX_BYTES)
    data = await _read_one(file, max_bytes)
    store = attachment_store(settings)
    try:
        row = exchanges.attach_to_queue(session, actor, entry_id, file.filename, data, store,
                                        max_bytes)
        out = exchanges.attachment_dict(row)
        session.commit()
    except BaseException:
        exchanges.discard_files(session, store)
        raise
    return out


@router.post("/encounters/{encounter_id}/attachments", response_model=AttachmentOut,
             status_code=201,
             summary="Envoyer une photo ou un document pendant l'appel (JPEG, PNG, PDF)",
             responses={413: {"description": "Fichier trop volumineux"},
                        422: {"description": "Type refusé (reconnu au contenu)"}})
async def attach_in_call(encounter_id: Id, request: Request, session: SessionDep,
                         settings: SettingsDep, actor: ActorDep,
                         background: BackgroundTasks,
                         file: Annotated[UploadFile, File()]) -> dict:
    max_bytes = min(settings.attachment_max_bytes, exchanges.MAX_BYTES)
    data = await _read_one(file, max_bytes)
    store = attachment_store(settings)
    try:
        row, message = exchanges.attach_to_encounter(session, actor, encounter_id,
                                                     file.filename, data, store, max_bytes)
        out = exchanges.attachment_dict(row)
        chat = exchanges.message_dict(message, row)
        room = session.get(Encounter, encounter_id).room
        session.commit()
    except BaseException:
        exchanges.discard_files(session, store)
        raise
    background.add_task(publish_chat, request.app, room, chat)
    return out


@router.get("/encounters/{encounter_id}/attachments", response_model=list[AttachmentOut],
            summary="Documents échangés (parties de la consultation)")
def list_attachments(encounter_id: Id, session: SessionDep, actor: ActorDep) -> list[dict]:
    e = exchanges.party_encounter(session, actor, encounter_id, "documents échangés")
    rows = exchanges.attachments_of(session, e.id)
    record(session, actor, "search", exchanges.ENTITY, None, patient_id=e.patient_id,
           purpose="documents échangés")
    session.commit()
    return [exchanges.attachment_dict(r) for r in rows]


@router.get("/teleconsult/attachments/{attachment_id}", response_class=Response,
            summary="Télécharger une pièce jointe (parties seulement)")
def download_attachment(attachment_id: Id, session: SessionDep, settings: SettingsDep,
                        actor: ActorDep) -> Response:
    row, data = exchanges.read_attachment(session, actor, attachment_id,
                                          attachment_store(settings))
    session.commit()
    # The name says the type found in the content, whatever the sender called the file;
    # images open in the call (inline), a PDF is downloaded, never rendered in the page.
    ext = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[row.content_type]
    stem = row.filename.rsplit(".", 1)[0] if "." in row.filename else row.filename
    disposition = attachment(f"{stem or 'piece'}.{ext}")
    if row.content_type != "application/pdf":
        disposition = disposition.replace("attachment;", "inline;", 1)
    return Response(data, media_type=row.content_type, headers={
        "Content-Disposition": disposition, "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.get("/encounters/{encounter_id}/messages", response_model=list[MessageOut],
            summary="Fil de discussion de l'appel (parties)")
def list_messages(encounter_id: Id, session: SessionDep, actor: ActorDep) -> list[dict]:
    rows = exchanges.read_messages(session, actor, encounter_id)
    files_by_id = {a.id: a for a in exchanges.attachments_of(session, encounter_id)}
    session.commit()
    return [exchanges.message_dict(m, files_by_id.get(m.attachment_id)) for m in rows]


@router.post("/encounters/{encounter_id}/messages", response_model=MessageOut,
             status_code=201, summary="Écrire dans le fil de l'appel (parties)")
def post_message(encounter_id: Id, body: MessageIn, request: Request, session: SessionDep,
                 actor: ActorDep, background: BackgroundTasks) -> dict:
    m = exchanges.post_message(session, actor, encounter_id, body.text)
    out = exchanges.message_dict(m, None)
    room = session.get(Encounter, encounter_id).room
    session.commit()
    background.add_task(publish_chat, request.app, room, out)
    return out
