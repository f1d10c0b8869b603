"""Quantitative indicators (定量指標): catalogue, company indicators, yearly actuals, targets
and progress against the three-year targets (issue 4)."""
