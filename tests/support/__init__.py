"""Helpers the tests share: fixtures stay in conftest.py files, everything else lives here."""
