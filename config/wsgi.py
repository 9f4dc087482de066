"""The web server's entry point (gunicorn `config.wsgi`): production settings unless DJANGO_SETTINGS_MODULE says
otherwise, so that a deployment which forgets the variable refuses to start without its secrets instead of serving
with DEBUG on and the repository's key (development runs `manage.py runserver`, which defaults to the base settings)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
