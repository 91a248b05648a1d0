"""State: what provisioner has applied (data), its file format, and its storage with locking."""
