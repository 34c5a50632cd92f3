"""``aplus dkim``: the DNS record that lets receivers verify the gateway's signatures.

The key is made on first use (``gateway.authentication.dkim_signing``), so
running this command before the first delivery is what an operator does:
publish the printed TXT record, then start the gateway.
"""

from __future__ import annotations

import click

from gateway.authentication import dkim_signing
from gateway.cli.app import main


@main.command("dkim")
@click.option("--txt", "value_only", is_flag=True, help="N'afficher que la valeur TXT (pour un script).")
@click.pass_context
def dkim_command(ctx: click.Context, value_only: bool) -> None:
    """Affiche l'enregistrement DNS DKIM à publier pour le domaine de la passerelle."""
    settings = ctx.obj["settings"]
    try:
        name, value = dkim_signing.dns_record(settings)
    except OSError as error:
        raise click.ClickException(
            f"Impossible de lire ou de créer la clé DKIM {dkim_signing.key_path(settings)} : {error.strerror or error}. "
            "Vérifiez les droits sur le dossier de données (APLUS_DATA_DIR)."
        ) from error
    if value_only:
        click.echo(value)
        return
    chunks = " ".join(f'"{value[i:i + 250]}"' for i in range(0, len(value), 250))
    click.echo(f"Publiez cet enregistrement TXT dans la zone DNS de {settings.domain} :")
    click.echo(f"{name}. 3600 IN TXT ( {chunks} )")
    click.echo(f"Clé privée : {dkim_signing.key_path(settings)} (sélecteur « {settings.dkim_selector} »).")
    if not settings.dkim_sign:
        click.echo("Attention : la signature est désactivée (APLUS_DKIM_SIGN=false).")
