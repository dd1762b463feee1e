"""Background exports and the download centre ("Tệp đã xuất").

An export over :data:`settings.EXPORT_ASYNC_THRESHOLD_ROWS` rows is not written inside the
request: :func:`.jobs.start_export` stores an :class:`.models.ExportFile` and a django-q2 task
runs the kind's writer (a dotted path, so this core app imports no feature app), which writes
the file through Django's storage API with its progress. The owner alone sees, polls and
downloads it in the admin; files expire after :data:`settings.EXPORT_EXPIRY_DAYS` days (an
hourly cleanup through :mod:`cbccvc.schedules`).
"""
