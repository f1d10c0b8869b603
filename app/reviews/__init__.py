"""The advisor's review beside the self-assessment: per-item ratings, evidence checks and
comment threads (review points), shown to the company beside its own answers."""
