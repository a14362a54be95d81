"""Watched folders: from file-system events to registrations, with nothing missed."""
