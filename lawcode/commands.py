"""Commands beyond check/lint, each in its own module, registered here in one place."""
