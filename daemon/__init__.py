"""Hotprevue's daemon: the catalog, its database and its HTTP API."""

__version__ = "0.1.0"
