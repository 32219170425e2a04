"""Persistence: configuration, transcodings, encoders, recorders, read schema."""
