"""The site's files take no input: this area has no forms."""
