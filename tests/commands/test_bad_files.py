"""Every file-reading command refuses a bad file with exit 2 and a French message that
names the file (and the line where there is one) — never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from oasis.commands.app import app

runner = CliRunner()
SUPPLY_HEADER = "rpps,profession,commune,activity\n"
SITES_HEADER = "id,name,commune,lat,lon,kind\n"
MATRIX_HEADER = "origin,destination,minutes\n"


def _bad_files(tmp_path, header: str) -> dict[str, tuple[object, str, int | None]]:
    """name → (path, words the message must hold, line number it must name or None)."""
    (tmp_path / "latin1.csv").write_bytes(header.encode() + "1,Clinique é,58194\n"
                                          .encode("latin-1"))
    (tmp_path / "utf16.csv").write_bytes(header.encode("utf-16"))
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (tmp_path / "field.csv").write_text(header + '"' + "x" * 1_000_000 + '",a,b\n')
    (tmp_path / "nul.csv").write_bytes(header.encode() + b"a,b\x00,c\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1" + b"not parquet" * 50 + b"PAR1")
    return {
        "latin1": (tmp_path / "latin1.csv", "UTF-8", 2),
        "utf16": (tmp_path / "utf16.csv", "UTF-16", None),
        "binary": (tmp_path / "binary.csv", "binaire", None),
        "png": (tmp_path / "image.png", "PNG", None),
        "field": (tmp_path / "field.csv", "caractères", 2),
        "nul": (tmp_path / "nul.csv", "nul", None),
        "folder": (tmp_path / "folder", "dossier", None),
        "missing": (tmp_path / "absent.csv", "introuvable", None),
        "parquet": (tmp_path / "corrupt.parquet", "Parquet", None),
    }


COMMANDS = {
    "apl --supply": (["apl", "--out", "{out}", "--supply"], SUPPLY_HEADER),
    "apl --matrix": (["apl", "--out", "{out}", "--matrix"], MATRIX_HEADER),
    "coverage --sites": (["coverage", "--sites"], SITES_HEADER),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_file_exits_2_naming_file_and_line(tmp_path, command):
    argv, header = COMMANDS[command]
    out = str(tmp_path / "out.csv")
    for name, (path, words, line) in _bad_files(tmp_path, header).items():
        if command != "apl --matrix" and name == "parquet":
            path = path.with_suffix(".csv")  # a Parquet body behind a .csv name
            path.write_bytes((tmp_path / "corrupt.parquet").read_bytes())
        res = runner.invoke(app, [a.replace("{out}", out) for a in argv] + [str(path)])
        assert res.exit_code == 2, (name, res.output, res.exception)
        text = " ".join(res.output.split())
        assert path.name in text and "Erreur" in text, (name, text)
        assert words in text, (name, text)
        if line is not None and command != "apl --matrix":
            assert f"ligne {line}" in text, (name, text)


def test_matrix_latin1_data_line_is_named(tmp_path):
    path = tmp_path / "matrix.csv"
    path.write_bytes(MATRIX_HEADER.encode() + b"58194,58194,0\n58194,5819\xe9,12\n")
    res = runner.invoke(app, ["apl", "--out", str(tmp_path / "o.csv"), "--matrix", str(path)])
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and "matrix.csv" in text and "ligne 3" in text, text


@pytest.mark.parametrize("argv", [["plan", "sites", "--candidates"],
                                  ["plan", "volunteers", "--doctors"]])
def test_plan_files_too(tmp_path, argv):
    latin1 = tmp_path / "liste.csv"
    latin1.write_bytes("commune,nom\n58194,Nevers\n58303,Clamecy é\n".encode("latin-1"))
    for path, words in ((latin1, "ligne 3"), (tmp_path, "dossier"),
                        (tmp_path / "absent.csv", "introuvable")):
        res = runner.invoke(app, [*argv, str(path)])
        text = " ".join(res.output.split())
        assert res.exit_code == 2 and path.name in text and words in text, (res.output,
                                                                              res.exception)
