"""Named SQL and small async functions taking a Connection; rows leave as Structs."""
