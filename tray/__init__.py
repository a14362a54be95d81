"""The system-tray app: runs the daemon, shows what it is doing, starts at login."""
