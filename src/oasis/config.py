"""Runtime configuration, read from the environment (and an optional ``.env`` file).

Every setting has a default that needs nothing installed beyond Python: an embedded
SQLite database, in-process pub/sub, data files inside the package.  A deployment
overrides them with ``OASIS_*`` variables or the conventional ``DATABASE_URL`` and
``REDIS_URL``.
"""

from __future__ import annotations

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
    secret_key: str = "dev-only-change-me"
    timezone: str = "Europe/Paris"
    host: str = "127.0.0.1"
    port: int = 8000
    # OASIS_ICE_SERVERS='[{"urls": "stun:stun.example.org:3478"}]'
    ice_servers: list[IceServer] = []
    # OASIS_PARTNER_MUTUELLES='["Mutuelle Oasis Solidarité"]': tiers payant intégral
    partner_mutuelles: list[str] = ["Mutuelle Oasis Solidarité"]
    # OASIS_NOTIFIER="package.module:function": delivers the outbox (default: kept there)
    notifier: str | None = None
    # OASIS_JOBS_IN_PROCESS=1: the web server runs the background jobs itself (`oasis
    # serve` turns it on for SQLite; with PostgreSQL run `oasis worker` instead)
    jobs_in_process: bool = False

    @property
    def geography_file(self) -> Path:
        return self.data_dir / "geo" / "communes.parquet"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests clear the cache to change them."""
    return Settings()
