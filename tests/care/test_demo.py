"""The demo loads on the real geography, is idempotent and its accounts work."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from oasis.care.accounts import service as accounts
from oasis.care.accounts.models import Account
from oasis.care.core import db
from oasis.care.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from oasis.care.models import Appointment, Location, Practitioner, Slot
from oasis.commands.app import app
from oasis.territory.supply import rpps_is_valid


def _counts(session) -> dict:
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Location, Practitioner, Slot, Account, Appointment)}


def test_demo_is_idempotent_and_real(session):
    report = load_demo(session, days=14)
    session.commit()
    assert report.created["sites"] == 13 and report.slots_created > 1000
    first = _counts(session)
    again = load_demo(session, days=14)
    session.commit()
    assert again.created == {} and again.slots_created == 0
    assert _counts(session) == first
    etts = dict(session.execute(select(Location.commune_code, Location.name)
                                .where(Location.kind == "ett")).all())
    assert set(etts) == {"58194", "25304", "78440", "92026"}  # Nevers, Hérimoncourt, …
    assert all("(démo)" in name for name in etts.values())
    assert all(session.scalars(select(Location.synthetic)).all())
    rpps = session.scalars(select(Practitioner.rpps)).all()
    assert all(rpps_is_valid(r) and r.startswith("19") for r in rpps)
    deps = {c[:2] for c in session.scalars(select(Location.commune_code)).all()}
    assert {"58", "25", "78", "92"} <= deps
    kinds = set(session.scalars(select(Location.kind)).all())
    assert kinds == {"msp", "centre_sante", "cabinet", "hopital_proximite", "ett"}
    for role, email, _ in DEMO_ACCOUNTS:
        assert accounts.authenticate(session, email, DEMO_PASSWORD).role == role


def test_cli_demo_load(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(app, ["demo", "load", "--db", url, "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "synthétiques" in result.output and "medecin@demo.oasis.fr" in result.output
    # issue 15 defect 10: the summary is French, with French plurals
    line = next(x for x in result.output.splitlines() if x.startswith("Démo chargée"))
    assert "praticiens" in line and "agendas" in line and "lieux de soins" in line
    for english in ("practitioners", "schedules", "accounts", "staff", "appointments"):
        assert english not in line, line
    assert db.is_up_to_date(url)
    db.dispose_engine(url)


def test_french_plurals():
    from oasis.care.demo import DemoReport
    from oasis.care.finder.text import plural

    assert plural(1, "réservé") == "1 réservé"
    assert plural(0, "réservé") == "0 réservé"
    assert plural(2, "réservé") == "2 réservés"
    assert plural(1200, "créneau", "créneaux") == "1\u202f200 créneaux"
    report = DemoReport(created={"practitioners": 16, "schedules": 1}, slots_created=1)
    assert report.summary() == "16 praticiens, 1 agenda ; 1 créneau ajouté"
