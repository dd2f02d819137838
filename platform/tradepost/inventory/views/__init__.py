"""The inventory pages (`/inventory/`): stock and its card per product, receipts,
transfers, stocktakes, adjustments, deliveries (with the delivery note PDF),
locations and suppliers.

Thin: every write is a service (`inventory.<document>`, `masterdata.services`); a
document is looked up in the actor's scope (a delivery through its order,
`selectors.deliveries_visible_to`; the warehouse's documents by their view
permission), so an id outside it is a 404 like a missing one. Step buttons post to
`<document>/<step>/` (`workspace.steps.step_view`).
"""
