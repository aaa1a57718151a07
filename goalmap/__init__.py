"""Goalmap: two partners plan each quarter on one board."""

from importlib import import_module
from pathlib import Path

from flask import Flask

from goalmap import config as defaults
from goalmap.extensions import csrf, db, htmx, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# Every area is one package of one shape (see docs/architecture.md).
AREAS = (
    "auth",
    "partnership",
    "board",
    "goals",
    "milestones",
    "wins",
    "timeline",
    "planning",
    "resources",
    "flexibility",
    "contracts",
    "weekly",
    "rituals",
    "yearly",
    "live",
    "notifications",
    "calendar",
    "transfer",
    "demo",
    "site",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` (tests) replaces what the environment would give."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(defaults.DEFAULTS)
    app.config.from_mapping(config or defaults.from_environment(app.instance_path))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = defaults.engine_options(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from goalmap import (
        broadcast,
        database,
        delivery,
        errors,
        filters,
        outbox,
        passwords,
        security,
        views,
    )

    delivery.init_app(app)
    database.init_app(app)
    broadcast.init_app(app)
    filters.init_app(app)
    passwords.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    outbox.init_app(app)
    views.init_app(app)
    for area in AREAS:
        import_module(f"goalmap.{area}.routes")  # its views attach to its blueprint
        app.register_blueprint(import_module(f"goalmap.{area}").bp)
    return app
