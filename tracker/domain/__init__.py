"""The domain: aggregates, events and value objects. Plain Python, no frameworks."""
