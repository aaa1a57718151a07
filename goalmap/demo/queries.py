"""The demo reads through the board and auth areas' queries: it has none of its own."""
