"""The interface language, saved per person.

Choosing a language in the admin's user-tools bar posts to :func:`set_language` (Django's view
of the same name, which also sets the language cookie), which saves the choice on the account.
At login the saved choice is put in the session (:func:`apply_saved_language`), and
:class:`UserLanguageMiddleware` applies it to every request of that session, whatever the
browser asks for; it also keeps the cookie in step, so the login page after logging out stays
in the person's language. A person who never chose follows the cookie, then the browser, then
Vietnamese (Django's ``LocaleMiddleware``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .models import UserPreference

SESSION_KEY = "portal_language"


def _known(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


def saved_language(user: AbstractBaseUser) -> str | None:
    """The language ``user`` chose, or None if they never chose one."""
    language = (
        UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )
    return _known(language)


def save_language(*, user: AbstractBaseUser, language: str) -> None:
    """Record ``language`` as ``user``'s interface language (one of ``settings.LANGUAGES``)."""
    if _known(language) is None:
        raise ValueError(f"unknown language {language!r}")
    UserPreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


@receiver(user_logged_in, dispatch_uid="portal.language.apply_saved_language")
def apply_saved_language(
    sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """At login, the saved language becomes the session's."""
    if request is None or not hasattr(request, "session"):
        return
    language = saved_language(user)
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie and redirect), and the choice saved on the account."""
    response = django_set_language(request)
    language = _known(request.POST.get("language"))
    if language and request.user.is_authenticated:
        save_language(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response


class UserLanguageMiddleware:
    """Applies the session's saved language; after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = _known(session.get(SESSION_KEY)) if session is not None else None
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
