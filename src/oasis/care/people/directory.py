"""Fill the platform's directory (practitioners, sites, roles) from the Annuaire Santé.

The Bundle is parsed and checked by :mod:`oasis.territory.supply_fhir` (pure parsing);
this module writes it through the people and sites services, so identifiers get the
same checks as any other creation (RPPS and FINESS keys).  The import is idempotent:
a practitioner is matched by RPPS, a site by FINESS (else by name and commune), a role
by the pair.  Which activities enter is the APL's rule (same profession mapping, liberal
practice or salaried in a centre de santé); only professions the platform books
(doctors of its specialties, midwives) are kept, the others are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from oasis.care.core.errors import CareError, Invalid
from oasis.care.core.vocab import SPECIALTIES
from oasis.care.people import service as people
from oasis.care.people.models import Practitioner
from oasis.care.sites import service as sites
from oasis.care.sites.models import Location
from oasis.territory.supply import in_scope_mode, rpps_profession
from oasis.territory.supply_fhir import DirectoryBundle, DirectoryOrganization

# Site kind from the Organization's type displays and name: an Oasis heuristic (the ANS
# FINESS categories are not mapped one by one), labelled as such in docs/fhir.md.
KIND_WORDS = (("maison de sant", "msp"), ("msp", "msp"), ("centre de sant", "centre_sante"),
              ("hôpital", "hopital_proximite"), ("hopital", "hopital_proximite"),
              ("centre hospitalier", "hopital_proximite"))


@dataclass
class DirectoryImport:
    practitioners_created: int = 0
    practitioners_known: int = 0
    sites_created: int = 0
    sites_known: int = 0
    roles: int = 0
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.practitioners_created} praticien(s) créé(s), "
                 f"{self.practitioners_known} déjà connu(s)",
                 f"{self.sites_created} site(s) créé(s), {self.sites_known} déjà connu(s)",
                 f"{self.roles} lieu(x) d'exercice"]
        parts += [f"{n} {why}" for why, n in sorted(self.skipped.items())]
        return " ; ".join(parts)


def site_kind(org: DirectoryOrganization) -> str:
    text = f"{org.kind_text} {org.name}".lower()
    return next((kind for word, kind in KIND_WORDS if word in text), "cabinet")


def _site(session: Session, org: DirectoryOrganization, report: DirectoryImport,
          geo) -> Location:
    found = None
    if org.finess:
        found = session.scalar(select(Location).where(Location.finess == org.finess))
    if found is None:
        found = session.scalar(select(Location).where(Location.name == org.name,
                                                      Location.commune_code == org.commune))
    if found is not None:
        report.sites_known += 1
        return found
    report.sites_created += 1
    return sites.create_location(session, name=org.name[:200], kind=site_kind(org),
                                 commune_code=org.commune, address=org.line,
                                 postal_code=org.postal_code or None, finess=org.finess,
                                 phone=org.phone, geo=geo)


def import_directory(session: Session, bundle: DirectoryBundle, geo=None) -> DirectoryImport:
    """Write the Bundle's in-scope activities; the caller commits (or rolls back)."""
    report = DirectoryImport()
    seen_sites: dict[int, Location] = {}
    seen_people: set[str] = set()
    for role in bundle.roles:
        if not role.active:
            report.skipped["activités inactives"] += 1
            continue
        key = rpps_profession(role.row())
        if key is None or key not in SPECIALTIES:
            report.skipped["hors des spécialités de la plateforme"] += 1
            continue
        if not in_scope_mode(role.row()):
            report.skipped["exercice hors champ (ni libéral ni centre de santé)"] += 1
            continue
        doc = role.practitioner
        if doc.id_type != "8":
            report.skipped["sans RPPS (ADELI)"] += 1
            continue
        try:
            practitioner = session.scalar(select(Practitioner).where(
                Practitioner.rpps == doc.ident))
            if practitioner is None:
                practitioner = people.create_practitioner(
                    session, rpps=doc.ident, family_name=doc.family_name[:100],
                    given_name=doc.given_name[:100], specialty=key,
                    profession="sage_femme" if key == "sage_femme" else "medecin")
                report.practitioners_created += 1
            elif doc.ident not in seen_people:
                report.practitioners_known += 1
            seen_people.add(doc.ident)
            org = role.organization
            site = seen_sites.get(org.entry)
            if site is None:
                site = seen_sites[org.entry] = _site(session, org, report, geo)
            people.add_role(session, practitioner.id, site.id)
            report.roles += 1
        except CareError as exc:
            entry = (role.organization.entry if "finess" in exc.code or "site" in exc.code
                     else role.practitioner.entry if "rpps" in exc.code else role.entry)
            raise Invalid(f"{bundle.source} : entrée {entry} : {exc.message}",
                          code=exc.code) from exc
    return report
