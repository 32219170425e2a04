"""The WSGI entry point for gunicorn: ``gunicorn web.wsgi:app`` (add ``-b HOST:PORT``).

The one module that builds an app when imported, since that is its whole purpose.
Settings come from the environment (``TRACKER_DB``, ``TRACKER_SECRET_KEY``, ...).
"""

from __future__ import annotations

import gc

from web import create_app

app = create_app()
gc.collect()
gc.freeze()
