"""Help pages anyone may read: the glossary and how to run the self-assessment as a team."""

from flask import Blueprint, render_template

from app.indexes import services as index_versions
from app.web.guards import public
from questionnaires import load_index

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.route("/glossary")
@public
def glossary():
    # The level names come from the index the app uses, so the page cannot drift from the steps.
    index = load_index(index_versions.default_version())
    return render_template("help/glossary.html", levels=index.levels)


@bp.route("/team")
@public
def team():
    return render_template("help/team.html")
