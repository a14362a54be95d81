"""The wire contract shared by the daemon, the tray and sync: msgspec Structs only."""
