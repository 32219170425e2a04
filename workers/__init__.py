"""Background work: Celery tasks, the beat schedule and the notification channels.

Kept apart from ``tracker`` so the domain never imports Celery or network code; the
channels in ``workers.channels`` are plain Python and usable from the CLI as well.
"""
