"""``aplus directory``: import and export the directory as the teams' CSV.

The lead registers this group in ``gateway/cli/__init__.py``; it takes the database and
settings from the click context object (``ctx.obj["database"]``,
``ctx.obj["settings"]``). Exit codes, for scripts: 0 every line accepted,
1 some lines rejected (the valid ones are imported unless ``--dry-run``),
2 the file could not be read at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from routing.directory.csv_file import DirectoryFileError, export_directory, import_directory

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


@click.group()
def directory() -> None:
    """Annuaire : groupes et agents (fichier CSV des équipes A+)."""


@directory.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Vérifie le fichier et dit ce qui changerait, sans rien enregistrer.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Importe les groupes et agents d'un fichier CSV (séparateur « ; »).

    En-tête attendu : Prénom;Nom;Email;Groupe;Organisation;Territoire;BAL
    (colonne Type facultative : « triage »). Chaque ligne rejetée est
    signalée avec son numéro et la raison ; les autres sont importées.
    """
    database = ctx.obj["database"]
    try:
        with database.begin() as session:
            report = import_directory(session, file, dry_run=dry_run)
    except DirectoryFileError as error:
        click.echo(f"Fichier illisible : {error}", err=True)
        ctx.exit(EXIT_UNREADABLE)
        return
    for line in report.summary():
        click.echo(line, err=line.startswith("Rejetée"))
    ctx.exit(0 if report.ok else EXIT_REJECTED)


@directory.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier à écrire (UTF-8 avec BOM, lisible par Excel) ; sinon la sortie standard.")
@click.pass_context
def export_command(ctx: click.Context, output: Path | None) -> None:
    """Écrit tout l'annuaire au format d'import (réimportable tel quel)."""
    database = ctx.obj["database"]
    with database.begin() as session:
        text = export_directory(session)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8-sig", newline="")
    lines = text.count("\n") - 1
    click.echo(f"Annuaire exporté dans {output} ({lines} ligne(s)).", err=True)
