"""The wire contract between the daemon and its clients: msgspec Structs only."""
