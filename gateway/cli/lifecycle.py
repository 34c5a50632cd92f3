"""``aplus tick`` (the scheduler's pass, for cron) and ``aplus purge`` (retention)."""

from __future__ import annotations

import click

from gateway.cli.app import _database, main


@main.command()
@click.option("--sans-purge", "no_purge", is_flag=True, help="Ne pas lancer la purge de conservation.")
@click.pass_context
def tick(ctx: click.Context, no_purge: bool) -> None:
    """Relances des dossiers en retard, responsables, récapitulatifs, purge : un passage (pour cron)."""
    from gateway.scheduler import tick as run_tick

    report = run_tick(_database(ctx), ctx.obj["settings"], purge=not no_purge)
    click.echo(str(report))
    if report.errors:
        ctx.exit(1)


@main.command()
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait effacé, sans rien effacer.")
@click.pass_context
def purge(ctx: click.Context, dry_run: bool) -> None:
    """Efface les données personnelles des dossiers clos depuis plus de APLUS_RETENTION_MONTHS mois."""
    from gateway.processing.retention import purge as run_purge

    settings = ctx.obj["settings"]
    report = run_purge(_database(ctx), settings, dry_run=dry_run)
    click.echo(("Simulation : " if dry_run else "") + str(report) + ".")
