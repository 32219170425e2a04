"""The WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py web.wsgi:app``.

The one module that builds an app when imported, since that is its whole purpose.
Settings come from the environment (``TRACKER_DB``, ``TRACKER_SECRET_KEY``, ...).
"""

from __future__ import annotations

import gc

from web import create_app

app = create_app()
gc.collect()
gc.freeze()
