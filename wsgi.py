"""WSGI entry point: ``gunicorn -k gthread wsgi:app``."""
from socialgraph.app import create_app

app = create_app()
