"""Early warning (预警): rules that watch the workspace, alerts that climb the chain.

- `AlertRule`: one per kind and workspace (`kinds.KINDS`), on by default, with its
  threshold, its deadline to act, who is responsible and (scheduled kinds) how often
  it is checked. Administrators and executives edit them.
- Event kinds run inside the transaction of the change that fired them: the app
  subscribes to `tradepost.events` (no domain app imports this one). Scheduled kinds
  run from beat, per workspace, only when the workspace is due (`due`).
- `Alert`: one open alert per rule and subject (a partial unique index). It goes to the
  responsible person with a deadline; unresolved past it, it escalates one level up
  the reporting chain (`masterdata.selectors.reporting_chain`), each step recorded
  in `AlertStep`. Acknowledge and resolve take a note.
- `Notification`: the in-app notification centre (the bell), plus an e-mail in the
  person's language and the `alert.raised` / `alert.escalated` webhooks.
"""
