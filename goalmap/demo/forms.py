"""The demo is made by a command: this area has no forms."""
