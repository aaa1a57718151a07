"""Resource allocation notes, availability, and the balance page.

``forms`` and ``routes`` here; the computations live in ``goalmap.balance``.
"""
