"""The site's files read no data: this area has no queries."""
