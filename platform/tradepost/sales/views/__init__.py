"""The sales pages, one module per area; each module exports its `urlpatterns`, which
`tradepost.sales.urls` joins under `/sales/` (namespace `sales`). Views are thin:
parse, authorise, call a selector or a service, render."""
