"""Administration: user accounts (create staff, disable, change role) and index versions."""
