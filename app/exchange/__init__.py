"""Data in and out for a company: the Excel workbook of an assessment (export, import with a
preview) and the company's own history as CSV and JSON."""
