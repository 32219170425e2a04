"""Background work with Celery: the app, the beat schedule, the tasks and the Redis
claims of scheduled slots.

Kept apart from ``tracker`` so the domain and the service layer never import Celery;
a task calls the same service-layer methods and ``tracker.notify`` delivery as the CLI.
"""
