"""The pipeline (seed S1): opportunities moving through the solution-selling stages,
the board, the forecast and the workspace's win probability per stage.

`models.py`, `services.py` (every write), `selectors.py` (who sees which
opportunity), `views.py` and `api.py`, `demo.py`. Its pages are in the sales menu
(`/sales/pipeline/`, URL namespace `sales`).
"""
