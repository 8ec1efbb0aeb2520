"""Issue 16, measured as an attacker would: one command, one table « item | attack | result ».

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/security_probe.py [--crowd 64]``

A real ``oasis serve`` process (``--no-jobs``, the default thread and connection pools)
on a fresh SQLite file with the demo loaded (``oasis demo load``); every attack goes over
HTTP on 127.0.0.1 (websockets for the video room).  The set-up uses the services directly
only for what an attacker already has (the crowd's patient accounts, a waiting-list entry
of Jeanne Durand, the demo patient).  Sign-ins happen first: item 8 spends the address's
wrong-password allowance, after which 127.0.0.1 may not sign in for 15 minutes.

The crowd (64 bookings of one slot, 48 readers) reuses the load test's helpers
(``tests/web/load/test_sqlite_crowd.py``, ``tests/factories/server.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test suite's server and crowd helpers

from oasis.care.accounts import service as accounts  # noqa: E402
from oasis.care.accounts.models import Account  # noqa: E402
from oasis.care.booking import service as booking  # noqa: E402
from oasis.care.core import db as care_db  # noqa: E402
from oasis.care.core.actor import Actor  # noqa: E402
from oasis.care.core.identifiers import nir_with_key  # noqa: E402
from oasis.care.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from oasis.care.people import service as people  # noqa: E402
from oasis.care.scheduling.models import Slot  # noqa: E402
from oasis.territory.supply import rpps_with_check_digit  # noqa: E402
from tests.factories.server import free_port, serve_process  # noqa: E402
from tests.web.load.test_sqlite_crowd import PROBE, _together  # noqa: E402

SECRET = "security-probe-secret-" + "x" * 32
PATIENT, OTHER = "patient@demo.oasis.fr", "patient.doubs@demo.oasis.fr"
DOCTOR, NURSE = "medecin@demo.oasis.fr", "infirmiere@demo.oasis.fr"
COORD, ADMIN, DERM = "coordination@demo.oasis.fr", "admin@demo.oasis.fr", \
    "dermatologue@demo.oasis.fr"
ORIGIN = {"Origin": ""}  # the server's own origin, set once it listens
ROWS: list[tuple[str, str, str]] = []


def row(item: str, attack: str, result: str) -> None:
    ROWS.append((item, attack, result))
    print(f"  {item:<4} {attack[:60]:<60} {result}", flush=True)


def code(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return f"{r.status_code}"
    c = body.get("code") if isinstance(body, dict) else None
    return f"{r.status_code} {c}" if c else f"{r.status_code}"


def setup(url: str, crowd: int) -> dict:
    care_db.upgrade(url)
    with care_db.session_scope(url) as s:
        load_demo(s, days=7)
    s = care_db.session_factory(url)()
    jeanne = s.scalar(select(Account).where(Account.email == PATIENT)).patient_id
    entry = booking.join_waitlist(s, Actor.system(), patient_id=jeanne, specialty="generaliste")
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    crowd_accounts = []
    for i in range(crowd):
        p = people.create_patient(s, Actor.system(), family_name=f"Foule{i}", given_name="Test",
                                  birth_date=date(1970, 1, 1), commune_code="58194")
        a = Account(email=f"foule{i}@probe.fr", password_hash=password_hash, role="patient",
                    display_name=f"Foule {i}", patient_id=p.id)
        s.add(a)
        crowd_accounts.append(a)
    s.commit()
    tokens = [accounts.issue_token(a, SECRET) for a in crowd_accounts]
    slots = s.scalars(select(Slot.id).where(Slot.status == "free", Slot.mode == "in_person")
                      .order_by(Slot.start_at).limit(3)).all() or s.scalars(
        select(Slot.id).where(Slot.status == "free").order_by(Slot.start_at).limit(3)).all()
    out = {"jeanne": jeanne, "waitlist": entry.id, "tokens": tokens, "slots": list(slots)}
    s.close()
    return out


def bearer(c: httpx.Client, email: str) -> dict | None:
    """A bearer header, or None for a demo account this version of the code lacks."""
    r = c.post("/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD})
    if r.status_code != 200:
        print(f"  (no sign-in for {email}: {code(r)})")
        return None
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def attacks(base: str, w: dict, crowd: int) -> None:
    ORIGIN["Origin"] = base
    c = httpx.Client(base_url=base, timeout=60)
    h = {e: bearer(c, e) for e in (PATIENT, OTHER, DOCTOR, NURSE, COORD, ADMIN, DERM)}
    h = {e: v for e, v in h.items() if v is not None}

    # 1. foreign waiting-list calls
    results = []
    for actor in [a for a in (OTHER, DERM, COORD, ADMIN, NURSE) if a in h][:4]:
        for method, suffix in (("POST", "/decline"), ("POST", "/accept"), ("DELETE", "")):
            r = c.request(method, f"/api/v1/waitlist/{w['waitlist']}{suffix}",
                          headers=h[actor] | ORIGIN)
            results.append(r.status_code)
    ok = sum(200 <= s < 300 for s in results)
    row("1", "foreign waiting-list calls (4 actors × decline/accept/cancel)",
        f"{ok}/{len(results)} succeed; {dict(Counter(results))}")

    # 2. ETT birth-date guesses
    start, n, last = date(1930, 1, 1), 0, None
    for i in range(400):
        last = c.post("/api/v1/teleconsult/queue", headers=h[NURSE] | ORIGIN, json={
            "reason": "Fièvre", "mode": "ett", "patient_id": w["jeanne"],
            "patient_birth_date": (start + timedelta(days=i)).isoformat()})
        if last.status_code == 429:
            break
        n += 1
    row("2", "ETT nurse guessing a birth date (one per try)",
        f"{n} guesses answered, then {code(last)} Retry-After={last.headers.get('retry-after')}")

    # 3. coordinator making a professional account with a password of their choosing
    rpps = rpps_with_check_digit("0000000991")
    r1 = c.post("/api/v1/practitioners", headers=h[COORD] | ORIGIN, json={
        "rpps": rpps, "family_name": "Faux", "given_name": "Doc", "email": "faux@probe.fr",
        "password": "choisi-par-moi"})
    r2 = c.post("/api/v1/practitioners", headers=h[COORD] | ORIGIN, json={
        "rpps": rpps, "family_name": "Faux", "given_name": "Doc", "email": "faux@probe.fr"})
    r3 = c.post("/api/v1/auth/token", data={"username": "faux@probe.fr",
                                            "password": "choisi-par-moi"})
    row("3", "coordinator invites a pro with a password, signs in as it",
        f"with password {code(r1)}; invited {code(r2)}; sign-in {code(r3)}")

    # 4. a token forged with the old public default key
    with care_db.session_factory(w["url"])() as s:
        admin = s.scalar(select(Account).where(Account.email == ADMIN))
        forged = accounts.issue_token(admin, "dev-only-change-me")
    r = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    row("4", "admin token forged with « dev-only-change-me »", code(r))

    # 5. token reuse after sign-out
    t = bearer(c, OTHER)
    out = c.post("/api/v1/auth/logout", headers=t)
    r = c.get("/api/v1/auth/me", headers=t)
    row("5", "bearer token reused after sign-out", f"sign-out {out.status_code}; reuse {code(r)}")

    # 6. cookie-only state change
    booked = c.post("/api/v1/appointments", headers=h[PATIENT],
                    json={"slot_id": w["slots"][1]})
    browser = httpx.Client(base_url=base, timeout=60)
    browser.post("/api/v1/auth/login", data={"email": PATIENT, "password": DEMO_PASSWORD},
                 headers=ORIGIN)
    if booked.status_code == 201:
        r = browser.post(f"/api/v1/appointments/{booked.json()['id']}/cancel", json={})
        evil = browser.post(f"/api/v1/appointments/{booked.json()['id']}/cancel", json={},
                            headers={"Origin": "https://evil.example"})
        row("6", "cookie-only POST cancel, no Origin / no CSRF token",
            f"{code(r)}; from evil.example {code(evil)}")
    else:
        row("6", "cookie-only POST cancel", f"(booking failed {code(booked)})")
    anon = httpx.Client(base_url=base, timeout=60)
    forms = [anon.post(p, headers={"Origin": "https://evil.example"}, data={}).status_code
             for p in ("/connexion", "/inscription", "/api/v1/auth/logout")]
    row("6", "cross-site POST /connexion, /inscription, /logout", f"{forms}")

    # 7. enumeration
    body = {"password": "un-secret-solide", "family_name": "N", "given_name": "M",
            "birth_date": "1980-01-01", "commune_code": "58194"}
    new = anon.post("/api/v1/patients", json=body | {"email": "inconnu@probe.fr"})
    taken = anon.post("/api/v1/patients", json=body | {"email": PATIENT})
    row("7", "sign-up: registered e-mail vs a new one",
        f"{new.status_code} vs {taken.status_code}; same body: {new.text == taken.text}")
    nir = "2 48 05 58 194 012"  # Jeanne Durand's (demo), key computed by the server
    with care_db.session_factory(w["url"])() as s:
        from oasis.care.people.models import Patient

        nir = s.get(Patient, w["jeanne"]).nir or nir
    known = anon.post("/api/v1/patients", json=body | {"email": "n1@probe.fr", "nir": nir})
    fresh = anon.post("/api/v1/patients", json=body | {"email": "n2@probe.fr",
                                                       "nir": nir_with_key("1800158194001")})
    row("7", "anonymous patient creation with a known NIR vs an unknown one",
        f"{code(known)} vs {code(fresh)}; same body: {known.text == fresh.text}")

    # 9. security headers (before item 8 spends the address's sign-in allowance)
    wanted = ("content-security-policy", "x-frame-options", "x-content-type-options",
              "referrer-policy", "cache-control")
    for path, client, hdr in (("/", anon, {}), ("/mes-rendez-vous", browser, {}),
                              ("/api/v1/patients/me", c, h[PATIENT])):
        r = client.get(path, headers=hdr, follow_redirects=False)
        csp = r.headers.get("content-security-policy", "")
        got = [k for k in wanted if k in r.headers]
        row("9", f"headers on {path} ({r.status_code})",
            f"{len(got)}/5 present; frame-ancestors={'frame-ancestors' in csp}; "
            f"no-store={r.headers.get('cache-control') == 'no-store'}; "
            f"unsafe-inline={'unsafe-inline' in csp}")

    # 10. the visio token after the consultation closed
    row("10", "visio token after the consultation closed", closed_room(c, h))

    # bad inputs
    bad = [
        ("GET", "/api/v1/sites?page=9223372036854775808", {}, None),
        ("GET", "/api/v1/practitioners/2147483648", {}, None),
        ("GET", "/api/v1/prescriptions/verify/ORD-AAAA-BBBB-CCCC-DDDD?code=%C3%A9", {}, None),
        ("GET", "/api/v1/auth/me", {"Authorization": "Bearer é".encode()}, None),
        ("GET", "/mes-rendez-vous", {"Cookie": "oasis_session=%C3%A9not-a-session"}, None),
        ("POST", "/api/v1/patients", {"Content-Type": "application/json"},
         json.dumps(body | {"email": "nul@probe.fr", "family_name": "A\x00B"})),
        ("POST", "/api/v1/patients", {"Content-Type": "application/json"},
         json.dumps(body | {"email": "sur@probe.fr"})[:-1] + ', "address": "\\ud800"}'),
        ("POST", "/api/v1/sites", h[COORD] | {"Content-Type": "application/json"},
         '{"name":"X","kind":"cabinet","commune_code":"58194","lat":NaN,"lon":Infinity}'),
        ("POST", "/api/v1/patients", {"Content-Type": "application/json"},
         json.dumps(body | {"email": "big@probe.fr", "address": "x" * 20_000_000})),
    ]
    labels = ["page=2⁶³", "practitioner 2³¹", "verify code=é", "non-ASCII bearer",
              "bad session cookie on a page", "NUL byte in a name", "lone surrogate",
              "NaN / Infinity coordinates", "20 MB body"]
    for label, (method, path, hdr, content) in zip(labels, bad, strict=True):
        try:
            r = c.request(method, path, headers=hdr | ORIGIN, content=content)
            result = code(r)
        except httpx.HTTPError as exc:
            result = type(exc).__name__
        row("in", f"{label}: {method} {path[:40]}", result)

    # 8. 250 wrong passwords (spends 127.0.0.1's allowance: last of the signed-in items)
    codes, retry = [], None
    for i in range(250):
        r = anon.post("/api/v1/auth/token", data={"username": OTHER, "password": f"faux-{i}"})
        codes.append(r.status_code)
        retry = r.headers.get("retry-after") or retry
    right = anon.post("/api/v1/auth/token", data={"username": OTHER, "password": DEMO_PASSWORD})
    row("8", "250 wrong passwords on one account",
        f"{dict(Counter(codes))}; first 429 at try {codes.index(429) + 1 if 429 in codes else '-'}"
        f"; Retry-After={retry}; right password then {right.status_code}")

    crowd_items(base, w, crowd)


def closed_room(c: httpx.Client, h: dict) -> str:
    from websockets.sync.client import connect

    c.put("/api/v1/teleconsult/presence", headers=h[DOCTOR] | ORIGIN,
          json={"status": "available"})
    q = c.post("/api/v1/teleconsult/queue", headers=h[PATIENT] | ORIGIN,
               json={"reason": "Toux"})
    taken = c.post("/api/v1/teleconsult/queue/next", headers=h[DOCTOR] | ORIGIN)
    if taken.status_code != 201:
        return f"(set-up failed: queue {code(q)}, next {code(taken)})"
    enc = taken.json()["encounter"]["id"]
    call = c.get(f"/api/v1/encounters/{enc}/call", headers=h[PATIENT]).json()
    closed = c.post(f"/api/v1/encounters/{enc}/close", headers=h[DOCTOR] | ORIGIN, json={})
    ws_url = c.base_url.copy_with(scheme="ws").join(
        f"/ws/visio/{call['room']}?token={call['token']}")
    try:
        with connect(str(ws_url), origin=ORIGIN["Origin"], open_timeout=10) as ws:
            first = json.loads(ws.recv(timeout=10))
            try:
                ws.recv(timeout=5)
                close = "open"
            except Exception:  # the server closing the socket is the point
                close = ws.close_code
    except Exception as exc:  # a refused handshake
        return f"close {closed.status_code}; handshake refused ({type(exc).__name__})"
    return f"close {closed.status_code}; socket says {first.get('code') or first.get('type')}" \
           f", closed with {close}"


def crowd_items(base: str, w: dict, crowd: int) -> None:
    slot_id = w["slots"][2]

    def book(i: int):
        with httpx.Client(base_url=base, timeout=120) as cl:
            try:
                return cl.post("/api/v1/appointments", json={"slot_id": slot_id},
                               headers={"Authorization": f"Bearer {w['tokens'][i]}"}).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

    t0 = time.monotonic()
    got = Counter(_together(crowd, book))
    row("crowd", f"{crowd} parallel bookings of one slot",
        f"201×{got.get(201, 0)} 409×{got.get(409, 0)} "
        f"5xx×{sum(v for k, v in got.items() if isinstance(k, int) and k >= 500)} "
        f"other={ {k: v for k, v in got.items() if k not in (201, 409)} } "
        f"in {time.monotonic() - t0:.1f} s")

    n = 48
    tmp = Path(tempfile.mkdtemp(prefix="secprobe-"))
    ready, stop = tmp / "ready", tmp / "stop"
    prober = subprocess.Popen([sys.executable, "-c", PROBE, base + "/healthz", str(ready),
                               str(stop)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    def read(_i: int):
        codes = []
        with httpx.Client(base_url=base, timeout=60) as cl:
            for _ in range(5):
                try:
                    codes.append(cl.get("/api/v1/sites").status_code)
                except httpx.HTTPError as exc:
                    codes.append(type(exc).__name__)
        return codes

    t0 = time.monotonic()
    try:
        results = _together(n, read)
    finally:
        stop.touch()
        median, worst = map(float, prober.communicate(timeout=90)[0].split())
    flat = Counter(code for codes in results for code in codes)
    row("crowd", f"{n} parallel readers × 5 GET /api/v1/sites",
        f"{dict(flat)} in {time.monotonic() - t0:.1f} s; /healthz median "
        f"{median * 1000:.0f} ms, worst {worst * 1000:.0f} ms")
    shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def legacy_serve(db_url: str, secret: str):
    """``serve_process`` for code whose ``oasis serve`` has no ``--no-jobs`` yet."""
    port = free_port()
    env = os.environ | {"OASIS_SECRET_KEY": secret, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from oasis.commands.app import main; main()", "serve",
         "--port", str(port), "--db", db_url], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oasis serve did not start") from None
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.kill()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crowd", type=int, default=64)
    parser.add_argument("--before", action="store_true",
                        help="code older than ``oasis serve --no-jobs`` (the « before » "
                             "column: PYTHONPATH pointing at an archive of its src)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oasis-secprobe-"))
    url = f"sqlite:///{tmp / 'probe.db'}"
    print(f"fresh SQLite database with the demo: {url}", flush=True)
    w = setup(url, args.crowd) | {"url": url}
    care_db.dispose_engine(url)
    try:
        with (legacy_serve if args.before else serve_process)(url, SECRET) as (base, _proc):
            print(f"oasis serve at {base}\n", flush=True)
            attacks(base, w, args.crowd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| item | attack | result |\n|---|---|---|")
    for item, attack, result in ROWS:
        print(f"| {item} | {attack} | {result} |")


if __name__ == "__main__":
    main()
