"""``python -m evals``: the same command as the ``appsec-triage-eval`` console script."""

from evals.cli import main

main()
