"""The timeline is read only: it has no forms."""
