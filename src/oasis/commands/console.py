"""What every command shares: the consoles, the French error exit, number formatting.

Bad input exits with code 2 and a French message on stderr (the file and line where it
applies); missing built data exits with code 3.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True, soft_wrap=True)  # a message never breaks a file name

JsonFlag = Annotated[bool, typer.Option("--json", help="Sortie JSON (pour les scripts).")]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a French error on stderr and exit with ``code`` (2: bad input)."""
    err.print(f"[bold red]Erreur :[/] {message}")
    raise typer.Exit(code)


def geography():
    """The national geography, or exit 3 with how to build it."""
    from oasis.territory.geography import GeographyDataMissing, load_geography

    try:
        return load_geography()
    except GeographyDataMissing as exc:
        fail(str(exc), 3)


def fmt_int(value: int) -> str:
    """Integers the French way: 68 952 941."""
    return f"{value:,}".replace(",", " ")


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
