"""Sync to a central server: the push (client side) and its transport."""
