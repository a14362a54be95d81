"""The local side of sync: change reading, targets, transport, API and CLI."""
