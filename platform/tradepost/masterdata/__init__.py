"""Master data: company profile, branches, sales regions, product categories,
products, tax rates, document numbering and staff profiles (seed S1 档案管理).

Who may do what (`tradepost.accounts.roles.ROLE_PERMISSIONS`):

* every staff role (executive, sales manager, salesperson, warehouse manager, finance
  manager, customer-information manager) views products, categories, branches, sales
  regions, tax rates and staff profiles — every other module picks from these lists;
* sales managers and customer-information managers (the keepers of the master files,
  seed S7) add and change products and product categories, and import them;
* executives and finance managers view the company profile and its bank accounts;
* only the system administrator (who holds every permission) changes the company
  profile, bank accounts, tax rates, numbering, branches, regions and staff profiles,
  and deletes anything. Products are deactivated rather than deleted.
* dealers see none of this here; their price list comes with the sales module.
"""
