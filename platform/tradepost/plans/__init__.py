"""Plans (seed S1 计划控制, 销售计划管理): sales targets per month, quarter or year for the
company, a branch, a sales region, a salesperson or a product category, their
adjustments and how far the sales have come (`selectors.completion`)."""
