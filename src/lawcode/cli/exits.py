"""The exit codes, a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error, 130 interrupted (Ctrl-C).

A module of their own, so that `main` knows them without importing what the commands
share (`common`: the compiler, the engine's writer, rich)."""

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
