"""One module per command: a plain function that takes parsed arguments and returns an exit code."""
