from datetime import date

import click

from goalmap.demo import bp, service
from goalmap.extensions import db


@bp.cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo partnership (Alex and Sam) with a planned quarter."""
    if not service.seed(date.today()):
        click.echo("The demo partnership exists already.")
        return
    db.session.commit()
    people = " or ".join(email for email, _name in service.DEMO_PEOPLE)
    click.echo(f"Demo ready: sign in as {people}, password {service.DEMO_PASSWORD}.")
