"""The registration job runner: scan → groups → worker pool → store, with progress."""
