"""``oasis visio``: invitation links for a test call between browser windows.

Real consultations hand out links through ``oasis.web.kit.rooms.invite``; this command is
for trying the video on one machine (``make run``, then open the links).
"""

from __future__ import annotations

from typing import Annotated

import typer

from oasis.commands.console import fail


def visio(
    salle: Annotated[str | None, typer.Option(help="Nom de la salle (défaut : aléatoire).")] = None,
    ett: Annotated[bool, typer.Option("--ett", help="Ajouter un lien infirmier(ère) "
                                                    "(espace de télémédecine).")] = False,
    base_url: Annotated[str, typer.Option(help="Adresse du serveur.")] = "http://127.0.0.1:8000",
    heures: Annotated[float, typer.Option(min=0.1, max=24, help="Validité des liens.")] = 4,
) -> None:
    """Liens d'invitation (médecin, patient, infirmier(ère)) pour un appel vidéo d'essai."""
    from datetime import timedelta

    from oasis.config import MissingSecret, get_settings, require_secret
    from oasis.web.kit.rooms import ROLES, ROOM_RE, invite, new_room

    room = salle or new_room()
    if not ROOM_RE.match(room):
        typer.echo("Erreur : nom de salle invalide (1 à 64 caractères parmi A-Z a-z 0-9 _ -).",
                   err=True)
        raise typer.Exit(2)
    people = [("doctor-1", "doctor", "Dr Essai"), ("patient-1", "patient", "Patient d'essai")]
    if ett:
        people.append(("nurse-1", "nurse", "Infirmier(ère) d'essai"))
    try:
        settings = require_secret(get_settings())
    except MissingSecret as exc:
        fail(str(exc))
    for participant, role, name in people:
        link = invite(settings, room, participant, role, name=name, ttl=timedelta(hours=heures))
        typer.echo(f"{ROLES[role]:<15} {base_url.rstrip('/')}{link.url}")
    typer.echo(f"Valables jusqu'au {link.expires_at:%d/%m/%Y à %H:%M}. Ouvrez chaque lien dans "
               "une fenêtre (ou un navigateur) différente.")
