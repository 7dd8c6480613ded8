"""Policy files: schema, loading (validated), and pure evaluation against resources."""
