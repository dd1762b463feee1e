import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE",
    "cbccvc.settings_production"
    if os.environ.get("CBCCVC_PRODUCTION") == "1"
    else "cbccvc.settings",
)
application = get_wsgi_application()
