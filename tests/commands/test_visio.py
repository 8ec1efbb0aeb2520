"""``oasis visio``: links that the server accepts."""

from urllib.parse import parse_qs, urlsplit

from typer.testing import CliRunner

from oasis.commands.app import app
from oasis.config import get_settings
from oasis.web.kit.rooms import verify_token


def test_links_for_a_test_call():
    result = CliRunner().invoke(app, ["visio", "--salle", "essai", "--ett"])
    assert result.exit_code == 0, result.output
    links = [line.split()[-1] for line in result.output.splitlines() if "http" in line]
    assert len(links) == 3
    roles = []
    for link in links:
        parts = urlsplit(link)
        assert parts.path == "/visio/essai"
        token = parse_qs(parts.query)["token"][0]
        roles.append(verify_token(get_settings().secret_key, token, room="essai").role)
    assert roles == ["doctor", "patient", "nurse"]


def test_bad_room_name():
    result = CliRunner().invoke(app, ["visio", "--salle", "pas bon"])
    assert result.exit_code == 2
    assert "nom de salle invalide" in result.output
