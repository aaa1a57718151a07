"""What browsers and crawlers ask of the site itself: the web app manifest (to install
Goalmap on a phone's home screen) and robots.txt."""

from flask import Blueprint

bp = Blueprint("site", __name__)
