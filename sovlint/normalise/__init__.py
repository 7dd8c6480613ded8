"""Raw documents -> Resources (one module per input format)."""
