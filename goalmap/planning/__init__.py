"""The quarterly goal-mapping session: look back, my goals, our goals, resources, agree.

``service`` holds the domain functions, ``routes`` the blueprint.
"""
