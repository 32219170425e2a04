"""Entry point for ``celery -A workers.worker worker`` and ``celery -A workers.worker beat``.

Importing this module is the deliberate act of starting a worker, so it builds the app.
"""

from workers.celery_app import make_celery

app = make_celery()
