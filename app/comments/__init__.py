"""Comments on an assessment by its members and advisors with comment rights."""
