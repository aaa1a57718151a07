"""The site's files: what the manifest says of the app."""

# The header's colour in each theme (static/css/goalmap.css: --surface), so an installed
# app's title bar runs into the page; the page's background for the splash screen.
THEME_COLOURS = {"light": "#ffffff", "dark": "#1e2228"}
BACKGROUND = "#f6f5f2"
