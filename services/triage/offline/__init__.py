"""Triage's offline tools: training data (the generator and its phrase banks), training, and
evaluation (held-out files, leave one writer out).

They run from the command line (`aduan triage train`, `aduan triage eval`) and in the model job
that trains the first model before the workers start; the serving path (`services.triage.app`,
its handlers and the model it loads) never imports them, which tests/unit/test_serving_imports.py
checks.
"""
