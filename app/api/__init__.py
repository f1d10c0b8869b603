"""The JSON API /api/v1 (issue 14): personal access tokens, OpenAPI 3.1, problem details."""
