"""Read models: tables kept up to date from the events, in the same database."""
