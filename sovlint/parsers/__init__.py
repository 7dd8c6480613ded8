"""Text -> raw documents with line marks, or a failure saying why (one module per format)."""
