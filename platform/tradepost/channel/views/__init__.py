"""The channel pages, one module per area; each module exports its `urlpatterns`, which
`tradepost.channel.urls` joins. Views are thin: parse, authorise, call a selector or a
service, render."""
