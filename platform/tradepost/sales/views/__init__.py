"""The sales pages, one module per area; each module exports its `urlpatterns`, which
`tradepost.sales.urls` joins (and `urls_tenant` mounts under `/sales/`, namespace
`sales`, with the pipeline, pricing and channel pages). Views are thin: parse,
authorise, call a selector or a service, render."""
