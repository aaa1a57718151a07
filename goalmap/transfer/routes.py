import json

import click
from flask import Response
from flask_login import current_user, login_required

from goalmap.extensions import db
from goalmap.transfer import bp, service
from goalmap.transfer.forms import FileRefused, read_export

# An export is the partnership's private record: no cache (the browser's, a proxy's)
# keeps a copy of it.
PRIVATE = {"Cache-Control": "no-store"}


@bp.get("/export.json")
@login_required
def export_json():
    """Download the whole partnership (what you may see) as one JSON file."""
    body = json.dumps(service.export_partnership(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="goalmap-export.json"', **PRIVATE},
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    """Download the goals as CSV, for a spreadsheet."""
    return Response(
        service.goals_csv(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="goalmap-goals.csv"', **PRIVATE},
    )


@bp.cli.command("import-partnership")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password every imported member signs in with at first.",
)
def import_command(path, password: str) -> None:
    """Recreate an exported partnership in this (empty) instance."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path} cannot be read as UTF-8 text ({error}).") from error
    try:
        partnership = service.import_partnership(read_export(text), password)
    except (FileRefused, service.ImportRefused) as error:
        db.session.rollback()
        raise click.ClickException(f"{path}, {error} Nothing was imported.") from error
    db.session.commit()
    click.echo(f"Imported {partnership.name} with {len(partnership.members)} members.")


@bp.get("/export-log.csv")
@login_required
def export_log_csv():
    """Download the flexibility log as CSV, one row per decision."""
    return Response(
        service.log_csv(current_user),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="goalmap-log.csv"', **PRIVATE},
    )
