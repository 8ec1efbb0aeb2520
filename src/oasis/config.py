"""Runtime configuration, read from the environment (and an optional ``.env`` file).

Every setting has a default that needs nothing installed beyond Python: an embedded
SQLite database, in-process pub/sub, data files inside the package.  A deployment
overrides them with ``OASIS_*`` variables or the conventional ``DATABASE_URL`` and
``REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"


class IceServer(BaseModel):
    """A STUN or TURN server handed to the browsers (RTCIceServer); none are needed on a
    LAN or loopback, a TURN relay is needed behind symmetric NATs."""

    urls: str | list[str]
    username: str | None = None
    credential: str | None = None


class Settings(BaseSettings):
    """Oasis settings; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="OASIS_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./oasis.db",
        validation_alias=AliasChoices("DATABASE_URL", "OASIS_DATABASE_URL"),
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "OASIS_REDIS_URL")
    )
    data_dir: Path = DEFAULT_DATA_DIR
    cache_dir: Path = Path.home() / ".cache" / "oasis"
    # Signs sessions, CSRF tokens, room tokens and prescription codes.  Required outside
    # development: see :func:`require_secret` (``oasis serve`` refuses to start without it).
    secret_key: str = ""
    # "development" lets ``oasis serve`` generate and keep a local secret (make run);
    # anything else is a deployment, where OASIS_SECRET_KEY must be set.
    env: str = "production"
    # Other origins whose pages may post to this server (a TLS proxy under another name):
    # OASIS_ALLOWED_ORIGINS='["https://oasis.example.fr"]'.
    allowed_origins: list[str] = []
    timezone: str = "Europe/Paris"
    host: str = "127.0.0.1"
    port: int = 8000
    # OASIS_ICE_SERVERS='[{"urls": "stun:stun.example.org:3478"}]'
    ice_servers: list[IceServer] = []
    # OASIS_PARTNER_MUTUELLES='["Mutuelle Oasis Solidarité"]': tiers payant intégral
    partner_mutuelles: list[str] = ["Mutuelle Oasis Solidarité"]
    # OASIS_AGES_FILE=base-cc-evol-struct-pop-2021.CSV: age-standardised demand on the
    # planners' pages and maps (INSEE « évolution et structure de la population »)
    ages_file: Path | None = None
    # The ministry's five-criteria ranking on /planification/criteres-ministere, from the
    # public files of `oasis deserts --method ministere` (unset: labelled synthetic or
    # neutral criteria): OASIS_FILOSOFI_FILE (INSEE Filosofi, median income by commune),
    # OASIS_ALD_FILE (Assurance Maladie ALD share), OASIS_FINESS_FILE (FINESS extract) and
    # OASIS_URGENCES_FILE (FINESS numbers with an emergency department),
    # OASIS_OFFICIAL_EPCI_FILE (an official list of EPCIs, SIREN: overlap reported).
    filosofi_file: Path | None = None
    ald_file: Path | None = None
    finess_file: Path | None = None
    urgences_file: Path | None = None
    official_epci_file: Path | None = None
    # OASIS_SMTP_URL='smtp://127.0.0.1:1025' (or smtps://user:password@host:465); unset:
    # messages stay in the stored outbox, readable by admins.
    smtp_url: str | None = None
    mail_from: str = "Oasis <ne-pas-repondre@oasis.invalid>"
    # Téléexpertise attachments: outside the web root; None = next to the SQLite database
    # (else ~/.local/share/oasis/attachments), see oasis.care.teleexpertise.attachments.
    attachments_dir: Path | None = None
    attachment_max_bytes: int = 10 * 1024 * 1024
    expertise_answer_days: int = 7  # promised answer time of a téléexpertise
    # OASIS_PUBLIC_URL: the address patients open, for the links in messages the
    # background jobs send (waiting-list offers); the web routes use the request's own.
    public_url: str = "http://127.0.0.1:8000"
    # OASIS_JOBS_IN_PROCESS=1: the web server runs the background jobs itself (`oasis
    # serve` turns it on for SQLite; with PostgreSQL run `oasis worker` instead)
    jobs_in_process: bool = False

    @property
    def geography_file(self) -> Path:
        return self.data_dir / "geo" / "communes.parquet"


# Values that were once public defaults: a token signed with them can be forged by anyone.
PUBLIC_SECRETS = frozenset({"dev-only-change-me", "change-me", "secret", "changeme"})


class MissingSecret(RuntimeError):
    """The server may not start: no secret key outside development (message in French)."""


def local_secret_file(database_url: str) -> Path:
    """Where development keeps its generated secret: next to the SQLite database file, or
    in the cache directory for a server database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        return Path(database_url[len(prefix):]).expanduser().resolve().parent / ".oasis-secret"
    return Path.home() / ".cache" / "oasis" / "secret"


def load_or_create_local_secret(path: Path) -> str:
    """The development secret stored in ``path`` (mode 0600), created on first use."""
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    return value


def require_secret(settings: Settings) -> Settings:
    """``settings`` with a usable secret key, or :class:`MissingSecret`.

    A deployment must set ``OASIS_SECRET_KEY``: a server signing sessions with a public
    default accepts tokens forged by anyone.  In development (``OASIS_ENV=development``,
    what ``make run`` sets) a random secret is generated once and kept in a file only the
    owner can read, so restarts keep people signed in.
    """
    key = settings.secret_key.strip()
    if key and key not in PUBLIC_SECRETS:
        return settings
    if settings.env == "development":
        path = local_secret_file(settings.database_url)
        return settings.model_copy(update={"secret_key": load_or_create_local_secret(path)})
    if key:
        raise MissingSecret("OASIS_SECRET_KEY vaut une valeur publique connue : choisissez "
                            "une clé secrète aléatoire (par exemple `python -c \"import "
                            "secrets; print(secrets.token_urlsafe(48))\"`).")
    raise MissingSecret("OASIS_SECRET_KEY n'est pas défini : le serveur refuse de démarrer "
                        "sans clé secrète (en développement : OASIS_ENV=development, ce que "
                        "fait `make run`).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests clear the cache to change them."""
    return Settings()
