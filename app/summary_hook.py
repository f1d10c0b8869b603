"""What the services that change a company's summary row call before their commit.

The computation (app.advisors.summaries) reads the assessment, KPI and review services that
call this, so it is imported when first called rather than when those services are loaded."""


def refresh_summary(company) -> None:
    """Recompute the company's (a Company or its id) client-list row in the caller's
    transaction."""
    from app.advisors.summaries import refresh_summary as refresh

    refresh(company)


def note_step_saved(company_id: int, assessment_id: int, saved_at) -> None:
    """A draft step was saved: update the answered count and last activity of the row."""
    from app.advisors.summaries import note_step_saved as note

    note(company_id, assessment_id, saved_at)
