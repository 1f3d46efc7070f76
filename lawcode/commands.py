"""Commands beyond check/lint, each in its own module, registered here in one place.

Each module defines click commands and calls `lawcode.cli.register(command)` at import.
"""
