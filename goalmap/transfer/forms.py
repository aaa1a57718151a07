"""Export is a download and import a command: this area has no forms."""
