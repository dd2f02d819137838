"""The finance pages (`/finance/`): invoices and credit notes (with their PDF), payments
received with the allocation screen, receivables with aging, the customer statement
(page and PDF), adjustments (调帐), exchange rates, settlement settings and the credit
override of an order.

Thin: every write is a service (`settlement.invoices`, `payments`, `credit`,
`services`); a record is looked up in the actor's customer scope
(`settlement.selectors`), so an id outside it is a 404 like a missing one. Actions
post and go back to a page that takes GET.
"""
