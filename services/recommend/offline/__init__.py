"""Recommend's offline tools: the starter case builder and the evaluations of recommendations
(`aduan recommend eval`, leave one writer out, their plots).

They run from the command line; the serving path (`services.recommend.app` and its handlers)
never imports them, which tests/unit/test_serving_imports.py checks.
"""
