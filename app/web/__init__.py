"""HTTP plumbing that knows no feature: guards, error pages, headers, links, mail, form fields,
template helpers and charts. Nothing here imports a feature package."""
