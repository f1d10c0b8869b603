"""Forms every feature shares."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes something, or a form whose inputs are parsed elsewhere: only the
    CSRF token is validated here."""
