"""Alert delivery: channels, messages, delivery bookkeeping and the digest (plain Python, no Celery)."""
