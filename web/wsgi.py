"""The WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py web.wsgi:app``.

The one module that builds an app when imported, since that is its whole purpose.
Settings come from the environment (``TRACKER_DB``, ``TRACKER_SECRET_KEY``, ...).

Behind nginx every request arrives from 127.0.0.1; ``TRACKER_PROXIES`` (the number of
proxies in front, 1 for the nginx site in ``deploy/``) makes the app trust that many
``X-Forwarded-*`` hops, so the login rate limit counts real client addresses and
redirects keep https. Left at 0 when gunicorn faces the clients itself.

gunicorn preloads this module (``preload_app``) and forks its workers from it: the
objects made here are frozen out of the garbage collector's reach, so the workers'
collections do not touch (and copy) the pages they share with the master.
"""

from __future__ import annotations

import gc
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from web import create_app

app = create_app()
_proxies = int(os.environ.get("TRACKER_PROXIES", "0") or 0)
if _proxies:
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=_proxies, x_proto=_proxies, x_host=_proxies, x_port=_proxies
    )
gc.collect()
gc.freeze()
