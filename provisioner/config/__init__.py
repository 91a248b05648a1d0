"""Reading workspaces: YAML with line marks, secret references, and validated models."""
