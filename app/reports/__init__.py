"""Bureau reports: a jurisdiction's aggregates, small groups suppressed; never one company."""
