"""The Annuaire Santé as a FHIR Bundle: Practitioner, PractitionerRole, Organization.

The ANS publishes the national directory of health professionals as a FHIR R4 API
(Annuaire Santé implementation guide, profiles derived from FR Core): a searchset Bundle
whose Practitioner carries the IdNat_PS ("8" + RPPS, system
``urn:oid:1.2.250.1.71.4.2.1``), whose Organization carries the IdNat_Struct ("1" +
FINESS, system ``urn:oid:1.2.250.1.71.4.2.2``) and the commune's INSEE code in the FR
Core address extension, and whose PractitionerRole links the two with the profession
(NOS TRE_G15), the savoir-faire (TRE_R38) and the mode of practice (TRE_R23).

This module only reads: :func:`parse_directory_bundle` checks every entry and refuses
the whole Bundle with every bad entry's index and reason (as the text readers do);
:func:`read_fhir_supply` turns it into the APL supply with the same profession and
scope rules as the pipe-separated extraction.  The care directory import
(:mod:`oasis.care.people.directory`) reads the same parsed Bundle.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oasis.territory.errors import TerritoryInputError
from oasis.territory.supply import (
    Supply,
    SupplyReport,
    _UnitResolver,
    in_scope_mode,
    read_supply,
    rpps_is_valid,
    rpps_profession,
    supply_from_activities,
)

IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
RPPS_SYSTEMS = ("https://rpps.esante.gouv.fr", "http://rpps.fr")
IDNAT_STRUCT = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEMS = ("https://finess.esante.gouv.fr", "http://finess.sante.gouv.fr")
ADDRESS_INSEE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
PROFESSION = "TRE-G15-ProfessionSante"
SAVOIR_FAIRE = "TRE-R38-SpecialiteOrdinale"
MODE = "TRE-R23-ModeExercice"
KINDS = ("Practitioner", "PractitionerRole", "Organization")


class DirectoryBundleError(TerritoryInputError):
    """A Bundle that is not a usable Annuaire Santé extraction; lists the bad entries."""

    code = "invalid_directory_bundle"


@dataclass(frozen=True)
class DirectoryPractitioner:
    entry: int
    ident: str  # RPPS (11 digits) or ADELI (9 digits)
    id_type: str  # "8" RPPS, "0" ADELI (the IdNat_PS prefix)
    family_name: str
    given_name: str


@dataclass(frozen=True)
class DirectoryOrganization:
    entry: int
    name: str
    commune: str
    postal_code: str
    line: str | None
    finess: str | None
    kind_text: str  # Organization.type displays, lower case (what the site is)
    phone: str | None


@dataclass(frozen=True)
class DirectoryRole:
    entry: int
    practitioner: DirectoryPractitioner
    organization: DirectoryOrganization
    profession: str
    savoir_faire: str
    savoir_faire_label: str
    mode: str
    active: bool

    def row(self) -> dict[str, str]:
        """The activity line the profession and scope rules of the text reader read."""
        return {"profession": self.profession, "sf_code": self.savoir_faire,
                "sf_label": self.savoir_faire_label, "mode": self.mode,
                "sector": f"{self.organization.kind_text} {self.organization.name}"}


@dataclass
class DirectoryBundle:
    source: str
    roles: list[DirectoryRole]
    practitioners: list[DirectoryPractitioner]
    organizations: list[DirectoryOrganization]
    skipped: Counter = field(default_factory=Counter)


def looks_like_json(path: Path) -> bool:
    with Path(path).open("rb") as fh:
        return fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _codes(concepts: list[dict], suffix: str) -> tuple[str, str]:
    for concept in concepts or []:
        for c in concept.get("coding") or []:
            if str(c.get("system", "")).endswith(suffix):
                return str(c.get("code", "")), str(c.get("display", ""))
    return "", ""


def _practitioner(i: int, res: dict) -> DirectoryPractitioner | str:
    found = None
    for ident in res.get("identifier") or []:
        system, value = ident.get("system"), str(ident.get("value", "")).strip()
        if system == IDNAT_PS and value[:1] in ("8", "0"):
            found = (value[1:], value[0])
            break
        if system in RPPS_SYSTEMS:
            found = (value, "8")
    if found is None:
        return "Practitioner sans identifiant national (IdNat_PS 8+RPPS ou 0+ADELI)"
    value, id_type = found
    if id_type == "8" and not rpps_is_valid(value):
        return f"numéro RPPS invalide « {value} » (11 chiffres, clé de Luhn)"
    if id_type == "0" and not (len(value) == 9 and value.isdigit()):
        return f"numéro ADELI invalide « {value} »"
    name = (res.get("name") or [{}])[0]
    family = str(name.get("family") or "").strip()
    if not family:
        return "Practitioner sans nom (name.family)"
    given = " ".join(name.get("given") or []).strip() or "?"
    return DirectoryPractitioner(i, value, id_type, family, given)


def _insee(addr: dict) -> str:
    for holder in (addr, addr.get("_city") or {}):
        for ext in holder.get("extension") or []:
            if ext.get("url") == ADDRESS_INSEE:
                return str((ext.get("valueCoding") or {}).get("code", "")).strip()
    return ""


def _organization(i: int, res: dict) -> DirectoryOrganization | str:
    name = str(res.get("name") or "").strip()
    if not name:
        return "Organization sans nom"
    addresses = res.get("address") or []
    addr = addresses[0] if addresses else {}
    commune = _insee(addr)
    if not commune:
        return "Organization sans code commune INSEE (extension fr-core-address-insee-code)"
    finess = None
    for ident in res.get("identifier") or []:
        system, value = ident.get("system"), str(ident.get("value", "")).strip()
        if system == IDNAT_STRUCT and value.startswith("1") and len(value) == 10:
            finess = value[1:]
        elif system in FINESS_SYSTEMS:
            finess = value
    if finess is not None and len(finess) != 9:
        return f"numéro FINESS mal formé « {finess} » (9 caractères)"
    kinds = " ".join(c.get("display", "") for t in res.get("type") or []
                     for c in t.get("coding") or [])
    phone = next((t.get("value") for t in res.get("telecom") or [] if t.get("system") ==
                  "phone"), None)
    return DirectoryOrganization(i, name, commune, str(addr.get("postalCode") or ""),
                                 " ".join(addr.get("line") or []) or None, finess,
                                 kinds.lower(), phone)


def _keys(entry: dict, res: dict) -> list[str]:
    keys = [f"{res.get('resourceType')}/{res.get('id')}"] if res.get("id") else []
    if entry.get("fullUrl"):
        full = str(entry["fullUrl"])
        keys += [full, "/".join(full.rstrip("/").split("/")[-2:])]
    return keys


def parse_directory_bundle(data: Any, source: str = "bundle") -> DirectoryBundle:
    """Check every entry; DirectoryBundleError lists each bad one (index from 0)."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise DirectoryBundleError(f"{source} : ce n'est pas un Bundle FHIR "
                                   "(resourceType « Bundle » attendu)")
    entries = data.get("entry") or []
    if not isinstance(entries, list) or not entries:
        raise DirectoryBundleError(f"{source} : Bundle sans entrée")
    errors: list[str] = []
    skipped: Counter = Counter()
    people: dict[str, DirectoryPractitioner] = {}
    orgs: dict[str, DirectoryOrganization] = {}
    raw_roles: list[tuple[int, dict]] = []
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict):
            errors.append(f"entrée {i} : pas de resource")
            continue
        kind = res.get("resourceType")
        if kind not in KINDS:
            skipped[f"ressources {kind} ignorées"] += 1
            continue
        if kind == "PractitionerRole":
            raw_roles.append((i, res))
            continue
        parsed = _practitioner(i, res) if kind == "Practitioner" else _organization(i, res)
        if isinstance(parsed, str):
            errors.append(f"entrée {i} ({kind}) : {parsed}")
            continue
        keys = _keys(entry, res)
        if not keys:
            errors.append(f"entrée {i} ({kind}) : ni id ni fullUrl")
        for key in keys:
            (people if kind == "Practitioner" else orgs)[key] = parsed
    roles = []
    for i, res in raw_roles:
        refs = {k: str((res.get(k) or {}).get("reference", "")) for k in
                ("practitioner", "organization")}
        doctor, org = people.get(refs["practitioner"]), orgs.get(refs["organization"])
        problems = []
        if doctor is None:
            problems.append(f"practitioner « {refs['practitioner']} » absent du Bundle")
        if org is None:
            problems.append(f"organization « {refs['organization']} » absente du Bundle")
        profession, _ = _codes(res.get("code"), PROFESSION)
        if not profession:
            problems.append("sans code profession (TRE_G15)")
        if problems:
            errors.append(f"entrée {i} (PractitionerRole) : " + " ; ".join(problems))
            continue
        sf_code, sf_label = _codes(res.get("specialty"), SAVOIR_FAIRE)
        mode, _ = _codes(res.get("code"), MODE)
        roles.append(DirectoryRole(i, doctor, org, profession, sf_code, sf_label, mode,
                                   res.get("active", True) is not False))
    if errors:
        shown = "\n".join(errors[:30])
        more = f"\n… et {len(errors) - 30} autres" if len(errors) > 30 else ""
        raise DirectoryBundleError(f"{source} : {len(errors)} entrée(s) invalide(s)\n"
                                   f"{shown}{more}")
    unique_people = list({id(p): p for p in people.values()}.values())
    unique_orgs = list({id(o): o for o in orgs.values()}.values())
    return DirectoryBundle(source, roles, unique_people, unique_orgs, skipped)


def read_directory_bundle(path: Path) -> DirectoryBundle:
    path = Path(path)
    if not path.exists():
        raise DirectoryBundleError(f"fichier introuvable : {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (ligne {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise DirectoryBundleError(f"{path.name} : JSON invalide{where} : {exc}") from exc
    return parse_directory_bundle(data, path.name)


def supply_of_bundle(bundle: DirectoryBundle, geo) -> Supply:
    """The APL supply: in-scope activities (liberal, or salaried in a centre de santé)."""
    resolve = _UnitResolver(geo)
    report = SupplyReport(rows=len(bundle.roles))
    errors: list[str] = []
    entries: list[tuple[str, int, str]] = []
    for role in bundle.roles:
        if not role.active:
            report.skipped["activités inactives"] += 1
            continue
        profession = rpps_profession(role.row())
        if profession is None:
            report.skipped["hors des professions de l'APL"] += 1
            continue
        if not in_scope_mode(role.row()):
            report.skipped["exercice hors champ (ni libéral ni centre de santé)"] += 1
            continue
        unit, why = resolve(role.organization.commune, role.organization.postal_code)
        if unit is None:
            errors.append(f"entrée {role.organization.entry} (Organization) : {why}")
            continue
        entries.append((role.practitioner.ident, unit, profession))
    if errors:
        raise DirectoryBundleError(f"{bundle.source} : {len(errors)} entrée(s) invalide(s)\n"
                                   + "\n".join(errors[:30]))
    return supply_from_activities(entries, bundle.source, report)


def read_fhir_supply(path: Path, geo) -> Supply:
    return supply_of_bundle(read_directory_bundle(path), geo)


def read_any_supply(path: Path, geo, *, count_teleconsultations: bool = True) -> Supply:
    """``oasis apl --supply``: a FHIR Bundle (JSON), else the text formats."""
    path = Path(path)
    if path.exists() and looks_like_json(path):
        return read_fhir_supply(path, geo)
    return read_supply(path, geo, count_teleconsultations=count_teleconsultations)
