import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradepost.settings")
application = get_wsgi_application()

from tradepost.background import announce_in_process  # noqa: E402 - needs Django set up

announce_in_process()
