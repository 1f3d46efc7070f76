"""The web playground: a page and a JSON API over the public lawcode API.

`lawcode playground` (`lawcode.cli.playground`, through `serve.py`) serves
`app.create_app()` on uvicorn. The modules each do one job: `limits` (the knobs), `catalog` (bundled rulesets and their
example snapshots), `service` (lint/evaluate/graph/explain as plain functions),
`confine` (user text may only read files of its ruleset folder), `store` (the SQLite
share store behind short links), `workers` (runs the
service in killable processes, for the time limit), `openapi` (the API description,
also used to validate requests), `app` (Starlette routes) and `static/` (the page).
"""
