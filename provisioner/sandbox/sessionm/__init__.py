"""SessionM Campaigns API emulator: HTTP Basic auth, create/list/info, 200-with-error answers."""
