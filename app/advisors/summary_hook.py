"""What the services that change a company's summary row call before their commit.

The computation (app.advisors.summaries) reads the assessment, KPI and review services that
call this, so it is imported when first called rather than when those services are loaded."""


def refresh_summary(company) -> None:
    """Recompute the company's (a Company or its id) client-list row in the caller's
    transaction."""
    from app.advisors.summaries import refresh_summary as refresh

    refresh(company)
