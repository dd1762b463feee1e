"""``/i18n/setlang/``: the language switch that also saves the choice on the account (it comes
before Django's ``django.conf.urls.i18n`` in ``cbccvc.urls``, so it answers that path)."""

from django.urls import path

from .language import set_language

urlpatterns = [path("setlang/", set_language, name="set_language")]
