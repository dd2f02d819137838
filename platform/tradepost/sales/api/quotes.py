"""Sales API: quotes."""

# (prefix, viewset, basename) registered on /api/v1/ by tradepost.sales.api.register
ROUTES: list = []
