"""Production settings: the defaults of :mod:`cbccvc.settings` plus HTTPS-only hardening.

Select with ``DJANGO_SETTINGS_MODULE=cbccvc.settings_production`` (or ``CBCCVC_PRODUCTION=1``,
which ``manage.py`` and ``cbccvc/wsgi.py`` honour). The app runs behind a TLS-terminating
proxy that sets ``X-Forwarded-Proto``; see docs/deployment.md. ``manage.py check --deploy``
is clean with these settings (tests/security/test_deploy_settings.py runs it).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import (
    CONTENT_SECURITY_POLICY,
    DATABASE_ROUTERS,
    DATABASES,
    INSTALLED_APPS,
    SECRET_KEY,
    env_bool,
)

if SECRET_KEY.startswith("insecure-demo-key") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set CBCCVC_SECRET_KEY to a random value of at least 50 characters.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = env_bool("CBCCVC_SSL_REDIRECT", True)
# /healthz is probed by the proxy over plain HTTP inside the private network
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("CBCCVC_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("CBCCVC_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# The national API only over verified HTTPS, even to a loopback address.
CBCCVC_NATIONAL_ALLOW_HTTP = False
SESSION_COOKIE_NAME = "__Secure-sessionid"
CSRF_COOKIE_NAME = "__Secure-csrftoken"
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

# Second factor mandatory for approvers and admins unless explicitly turned off.
CBCCVC_OTP_REQUIRED = env_bool("CBCCVC_OTP_REQUIRED", True)

# The emulator of the national side is a demo and test tool: production talks to the real
# national database, so neither the emulator's app, nor its database, nor its router is here.
INSTALLED_APPS = [app for app in INSTALLED_APPS if not app.startswith("syncing.emulator")]
DATABASE_ROUTERS = [r for r in DATABASE_ROUTERS if not r.startswith("syncing.emulator.")]
DATABASES.pop("national", None)

# Persistent connections; a shared cache (Redis) so that every gunicorn host sees the same.
for _db in DATABASES.values():
    _db.setdefault("CONN_HEALTH_CHECKS", True)
if os.environ.get("CBCCVC_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CBCCVC_CACHE_URL", os.environ["CBCCVC_REDIS_URL"]),
        }
    }

LOGGING["handlers"]["console"]["formatter"] = os.environ.get(  # noqa: F405
    "CBCCVC_LOG_FORMAT", "json"
)

# E-mail over SMTP, configured from the environment.
EMAIL_BACKEND = os.environ.get(
    "CBCCVC_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("CBCCVC_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CBCCVC_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("CBCCVC_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CBCCVC_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CBCCVC_EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("CBCCVC_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("CBCCVC_EMAIL_TIMEOUT", "10"))
