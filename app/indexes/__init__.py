"""Index versions as data: versions loaded into the database, which are active, which is the
default for new assessments. The definitions themselves are validated by questionnaires/."""
