"""Vital signs entered by an ETT nurse during a teleconsultation, validated.

The ranges are not clinical norms: they are the widest values a real patient can show
and a usual device can measure, so that a typo (``1200`` for ``120``, a temperature in
Fahrenheit) is refused with a clear message while a genuinely alarming value (SpO2 of
82 %, a systolic of 220 mmHg) goes through to the doctor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    unit: str
    low: float
    high: float
    decimals: int  # 0: whole numbers only


FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field("systolic", "Tension systolique", "mmHg", 50, 280, 0),
        Field("diastolic", "Tension diastolique", "mmHg", 30, 180, 0),
        Field("temperature", "Température", "°C", 30.0, 45.0, 1),
        Field("spo2", "Saturation en oxygène (SpO2)", "%", 50, 100, 0),
        Field("weight", "Poids", "kg", 0.5, 400.0, 1),
    )
}


class VitalsError(ValueError):
    """Every problem found in one entry, in French, ready to show to the nurse."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Vitals:
    systolic: int | None = None
    diastolic: int | None = None
    temperature: float | None = None
    spo2: int | None = None
    weight: float | None = None

    def as_dict(self) -> dict[str, int | float]:
        """Only the values that were measured."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _fmt(value: float, field: Field) -> str:
    text = f"{value:.{field.decimals}f}" if field.decimals else f"{value:g}"
    return text.replace(".", ",")


def _number(raw: object, field: Field) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise VitalsError([f"{field.label} : valeur non numérique."])
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
        try:
            value = float(text)
        except ValueError:
            raise VitalsError([f"{field.label} : « {raw} » n'est pas un nombre."]) from None
    else:
        value = float(raw)
    if not math.isfinite(value):
        raise VitalsError([f"{field.label} : valeur non numérique."])
    if field.decimals == 0 and value != int(value):
        raise VitalsError([f"{field.label} : un nombre entier est attendu "
                           f"({_fmt(value, Field('', '', '', 0, 0, 2))} {field.unit})."])
    if not field.low <= value <= field.high:
        raise VitalsError([
            f"{field.label} : {_fmt(value, field)} {field.unit} est hors de la plage admise "
            f"({_fmt(field.low, field)} à {_fmt(field.high, field)} {field.unit})."])
    return int(value) if field.decimals == 0 else round(value, field.decimals)


def parse_vitals(raw: Mapping[str, object]) -> Vitals:
    """Validate one entry; empty fields (None or "") mean "not measured".

    Raises :class:`VitalsError` listing every problem at once, so the nurse fixes the
    form in one go.
    """
    if not isinstance(raw, Mapping):
        raise VitalsError(["Mesures attendues sous forme de champs nommés."])
    errors: list[str] = []
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        errors.append("Champ inconnu : " + ", ".join(map(str, unknown)) + ".")
    values: dict[str, int | float] = {}
    for key, field in FIELDS.items():
        item = raw.get(key)
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        try:
            values[key] = _number(item, field)
        except VitalsError as exc:
            errors.extend(exc.errors)
    sys_, dia = values.get("systolic"), values.get("diastolic")
    if ("systolic" in raw or "diastolic" in raw) and (sys_ is None) != (dia is None) \
            and not errors:
        errors.append("Tension : indiquez la systolique et la diastolique.")
    if sys_ is not None and dia is not None and sys_ <= dia:
        errors.append(f"Tension : la systolique ({sys_} mmHg) doit être supérieure à la "
                      f"diastolique ({dia} mmHg).")
    if not values and not errors:
        errors.append("Aucune mesure saisie.")
    if errors:
        raise VitalsError(errors)
    return Vitals(**values)


def describe(vitals: Vitals) -> list[str]:
    """French one-liners for a record or a notification: ``Tension : 120/80 mmHg``."""
    lines = []
    if vitals.systolic is not None and vitals.diastolic is not None:
        lines.append(f"Tension : {vitals.systolic}/{vitals.diastolic} mmHg")
    for key in ("temperature", "spo2", "weight"):
        value = getattr(vitals, key)
        if value is not None:
            field = FIELDS[key]
            label = "SpO2" if key == "spo2" else field.label
            lines.append(f"{label} : {_fmt(value, field)} {field.unit}")
    return lines
