"""``aplus directory import|export``: output for people and exit codes for scripts."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gateway.models import Agent
from routing.cli import directory

GOOD = "Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL\nAwa;Diallo;awa@caf13.example;CAF 13;CAF;13;\n"
BAD_LINE = "Jean;Dupont;jean.dupont@;CAF 13;CAF;13;\n"


@pytest.fixture
def invoke(database, settings):
    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = {"database": database, "settings": settings}

    root.add_command(directory)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(root, ["directory", *args], catch_exceptions=False)

    return invoke


def agents(database) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(Agent))


def test_import_all_accepted_exits_0(invoke, database, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = invoke("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Import terminé." in result.output and "1 acceptée(s), 0 rejetée(s)" in result.output
    assert agents(database) == 1


def test_import_with_rejected_lines_exits_1_and_keeps_valid_lines(invoke, database, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(GOOD + BAD_LINE, encoding="utf-8")
    result = invoke("import", str(path))
    assert result.exit_code == 1
    assert "Rejetée, ligne 3 : adresse e-mail invalide « jean.dupont@ »" in result.output
    assert agents(database) == 1


def test_dry_run_writes_nothing(invoke, database, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(GOOD + BAD_LINE, encoding="utf-8")
    result = invoke("import", "--dry-run", str(path))
    assert result.exit_code == 1
    assert "Simulation" in result.output and "Agents : 1 nouveau(x)" in result.output
    assert agents(database) == 0


def test_unreadable_file_exits_2(invoke, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nom;Email\nA;a@b.example\n", encoding="utf-8")
    result = invoke("import", str(path))
    assert result.exit_code == 2
    assert "Fichier illisible" in result.output and "Groupe" in result.output
    assert invoke("import", str(tmp_path / "absent.csv")).exit_code == 2


def test_export_to_stdout_and_to_a_file_excel_can_open(invoke, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(GOOD, encoding="utf-8")
    invoke("import", str(path))
    result = invoke("export")
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "Awa;Diallo;awa@caf13.example;CAF 13;CAF;13;;"
    out = tmp_path / "export.csv"
    assert invoke("export", "--output", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfPr\xc3\xa9nom;") and b"\r\n" in data
    assert invoke("import", str(out)).exit_code == 0
