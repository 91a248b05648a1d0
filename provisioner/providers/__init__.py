"""Provider plugins: one small package per platform behind the interface in `base`."""
