"""Pre-teleconsultation triage: red-flag symptoms go to emergency services, never the queue.

A teleconsultation queue is the wrong place for a heart attack or a stroke: minutes
count and the doctor cannot examine.  Before a patient joins the 24/7 queue, structured
answers (and, as a safety net, the free-text reason) are checked against red flags
taken from the SAMU's regulation criteria as published for the public (ameli.fr
« Quand appeler le 15 ? », Santé publique France « AVC : agir vite »).  Any match
routes the patient to the 15 / 112 with a plain message; nothing is queued.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oasis.territory.geography import normalise_name

EMERGENCY_MESSAGE = (
    "Vos symptômes peuvent être graves. N'attendez pas une téléconsultation : appelez "
    "immédiatement le 15 (SAMU) ou le 112. Personnes sourdes ou malentendantes : envoyez "
    "un SMS au 114.")
SUICIDE_MESSAGE = (
    "Vous n'êtes pas seul(e). Appelez maintenant le 3114 (prévention du suicide, 24 h/24, "
    "gratuit) ou le 15 en cas de danger immédiat.")

# Structured questions shown to the patient: code -> French wording.
RED_FLAGS: dict[str, str] = {
    "chest_pain": "Douleur ou serrement dans la poitrine",
    "breathing": "Difficulté importante à respirer",
    "stroke_signs": "Visage déformé, bras ou jambe paralysé, ou difficulté soudaine à parler",
    "unconscious": "Perte de connaissance ou personne difficile à réveiller",
    "severe_bleeding": "Saignement abondant qui ne s'arrête pas",
    "anaphylaxis": "Gonflement du visage ou de la gorge après un aliment, un médicament, "
                   "une piqûre",
    "seizure": "Convulsions",
    "infant_fever": "Fièvre chez un bébé de moins de 3 mois",
    "suicidal": "Idées de suicide",
}

# Free-text safety net, compared after accent/case folding (see normalise_name), as
# word prefixes: "evanoui" catches évanoui, évanouie, évanouissement.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "chest_pain": ("douleur thoracique", "douleur poitrine", "mal a la poitrine",
                   "serre la poitrine", "infarctus", "crise cardiaque"),
    "breathing": ("n arrive plus a respirer", "etouffe", "respire tres mal",
                  "detresse respiratoire"),
    "stroke_signs": ("avc", "paralyse", "paralysie", "bouche de travers",
                     "n arrive plus a parler"),
    "unconscious": ("inconscient", "perte de connaissance", "evanoui", "ne se reveille pas"),
    "severe_bleeding": ("hemorragie", "saigne beaucoup", "saignement abondant"),
    "anaphylaxis": ("oedeme de quincke", "choc anaphylactique", "gorge gonflee"),
    "seizure": ("convulsion", "crise d epilepsie"),
    "suicidal": ("suicid", "en finir", "me tuer"),
}


@dataclass(frozen=True)
class TriageDecision:
    """Where the patient goes: ``"emergency"`` (call 15/112) or ``"queue"``."""

    route: str
    message: str
    flags: list[str] = field(default_factory=list)

    @property
    def allowed_in_queue(self) -> bool:
        return self.route == "queue"


class UnknownFlagError(ValueError):
    """A structured answer code the triage does not know (client bug, not patient error)."""


def triage(flags: list[str] | tuple[str, ...] = (), reason: str = "",
           age_months: int | None = None) -> TriageDecision:
    """Decide whether a patient may join the teleconsultation queue."""
    unknown = [f for f in flags if f not in RED_FLAGS]
    if unknown:
        raise UnknownFlagError(f"signes d'alerte inconnus : {', '.join(unknown)}")
    matched = list(dict.fromkeys(flags))
    text = f" {normalise_name(reason)} "
    for flag, words in _KEYWORDS.items():
        if flag not in matched and any(f" {w}" in text for w in words):
            matched.append(flag)
    if "infant_fever" in matched and age_months is not None and age_months >= 3:
        matched.remove("infant_fever")
    if not matched:
        return TriageDecision("queue", "Vous pouvez rejoindre la file de téléconsultation.")
    message = SUICIDE_MESSAGE if matched == ["suicidal"] else EMERGENCY_MESSAGE
    return TriageDecision("emergency", message, matched)
