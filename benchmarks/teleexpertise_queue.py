"""Téléexpertise latencies: sending a request with a photo, reading the expert's queue,
the planners' waits — against a plain ``GET /healthz`` in the same process (the floor).

Seeds ``--requests`` open requests (one GP, three dermatologists of whom one is in the
patient's CPTS) on a fresh migrated SQLite database, then times, warm medians:

1. ``POST /api/v1/teleexpertises`` with one ``--photo-kb`` PNG (multipart, content check,
   storage outside the web root);
2. ``GET /api/v1/teleexpertises/file`` (the whole queue, oldest first, each line audited);
3. ``GET /api/v1/teleexpertises/delais`` (measured waits per department and specialty).

    python benchmarks/teleexpertise_queue.py
    python benchmarks/teleexpertise_queue.py --requests 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from _timing import timed
from fastapi.testclient import TestClient
from PIL import Image

from oasis.care.accounts import service as accounts
from oasis.care.core import db as care_db
from oasis.care.core.actor import Actor
from oasis.care.teleexpertise import service as te
from oasis.config import Settings
from oasis.web.app import create_app


def photo(kb: int) -> bytes:
    side = 16
    while True:
        out = io.BytesIO()
        Image.effect_noise((side, side), 64).convert("RGB").save(out, format="PNG")
        if out.tell() >= kb * 1024 or side > 4096:
            return out.getvalue()
        side *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--photo-kb", type=int, default=200)
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.factories.care import PASSWORD
    from tests.factories.teleexpertise import make_world

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        care_db.upgrade(url)
        session = care_db.session_factory(url)()
        w = make_world(session, accounts_too=True)
        accounts.create_account(session, email="coord@b.fr", password=PASSWORD,
                                role="coordinator", display_name="c")
        for i in range(args.requests):
            te.create(session, Actor(None, "practitioner", practitioner_id=w.gp.id),
                      patient_id=w.patient.id, specialty="dermatologue",
                      question=f"Question {i}", consent=True)
        session.commit()
        patient_id = w.patient.id
        session.close()
        app = create_app(Settings(database_url=url, secret_key="bench",
                                  attachments_dir=Path(tmp) / "pj"))
        client = TestClient(app)

        def token(email):
            r = client.post("/api/v1/auth/token", data={"username": email,
                                                        "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        gp, derm, coord = token("gp@test.fr"), token("derm@test.fr"), token("coord@b.fr")
        png = photo(args.photo_kb)

        def send():
            r = client.post("/api/v1/teleexpertises", headers=gp, data={
                "patient_id": patient_id, "specialty": "dermatologue", "consent": "true",
                "question": "Lésion ?"}, files=[("files", ("p.png", png, "image/png"))])
            assert r.status_code == 201, r.text

        floor, _ = timed(lambda: client.get("/healthz"), args.repeat)
        t_send, _ = timed(send, args.repeat)
        t_queue, r = timed(lambda: client.get("/api/v1/teleexpertises/file", headers=derm),
                           args.repeat)
        lines = len(r.json())
        t_waits, _ = timed(lambda: client.get("/api/v1/teleexpertises/delais", headers=coord),
                           args.repeat)
        print(f"{'measure':<44} {'median':>9} {'× healthz':>10}")
        print(f"{'GET /healthz (floor)':<44} {floor * 1000:>7.1f}ms {1:>10.1f}")
        print(f"{f'send request + {len(png) // 1024} kB PNG':<44} {t_send * 1000:>7.1f}ms "
              f"{t_send / floor:>10.1f}")
        print(f"{f'expert queue ({lines} open requests)':<44} {t_queue * 1000:>7.1f}ms "
              f"{t_queue / floor:>10.1f}")
        print(f"{'planners measured waits':<44} {t_waits * 1000:>7.1f}ms "
              f"{t_waits / floor:>10.1f}")


if __name__ == "__main__":
    main()
