"""What submit calls before its commit so that report releases need not read the answers
(app/reports/submission_sums.py). Imported when first called: the reports feature is not loaded
by the assessment services."""


def note_submitted(assessment_id: int, submission: int, index, answers) -> None:
    """Store the packed sums of a submission; ``answers``: item id -> Answer, every answer row
    of the assessment."""
    from app.reports.submission_sums import store

    store(
        assessment_id,
        submission,
        index,
        ((a.item_id, a.current_level, a.target_level) for a in answers.values()),
    )
