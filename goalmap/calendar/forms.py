"""What comes in: forms that carry nothing but their CSRF token (make a calendar link,
stop it). The feed itself takes nothing but its secret."""

from goalmap.fields import Form


class LinkForm(Form):
    """Make a calendar link (a new one stops the old), or stop it."""
