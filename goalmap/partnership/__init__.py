"""Partnership settings, invitations, and the board's lanes and stages.

``service`` holds the domain functions, ``routes`` the blueprint.
"""
