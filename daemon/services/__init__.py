"""The catalog's rules and transaction boundaries, one module per resource."""
