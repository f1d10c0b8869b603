"""The three same-run baselines of bench/load.py, each a WSGI app for gunicorn:

- ``bench.baselines:hello``: a bare Flask endpoint;
- ``bench.baselines:t``: T, one SQL query (35 rows) plus a Jinja template with a 35-row form
  (2 selects and a textarea per row);
- ``bench.baselines:bare_save``: the save anchor. GET /save gives a form with its CSRF token;
  POST /save validates a Flask-WTF form of 35 rows (2 levels and a text each) and upserts the
  35 rows in one transaction (INSERT ... ON CONFLICT DO UPDATE), answering 302 like a step save.

They use the database of BENCH_DATABASE_URL (SQLite or PostgreSQL, the app's own), through
SQLAlchemy Core with the same pool as the app; `prepare()` creates and fills their tables.
"""

import os

from flask import Flask, redirect, render_template_string
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

ROWS = 35
SLOTS = 64  # one set of 35 rows per wrk connection
metadata = MetaData()
items = Table(
    "bench_item", metadata, Column("id", Integer, primary_key=True), Column("title", String(200))
)
answers = Table(
    "bench_answer",
    metadata,
    Column("slot", Integer, primary_key=True),
    Column("item_id", Integer, primary_key=True),
    Column("cur", Integer),
    Column("tgt", Integer),
    Column("evidence", Text),
)

T_TEMPLATE = """<!doctype html><html><body><form method=post><table>
{% for row in rows %}<tr><th>{{ row[0] }} {{ row[1] }}</th>
<td><select name="c{{ loop.index }}">{% for v in range(6) %}<option value="{{ v }}"
{% if v == row[2] %} selected{% endif %}>{{ v }}</option>{% endfor %}</select></td>
<td><select name="t{{ loop.index }}">{% for v in range(6) %}<option value="{{ v }}"
{% if v == row[3] %} selected{% endif %}>{{ v }}</option>{% endfor %}</select></td>
<td><textarea name="e{{ loop.index }}">{{ row[4] }}</textarea></td></tr>{% endfor %}
</table></form></body></html>"""

SAVE_PAGE = """<!doctype html><form method=post>
<input type="hidden" name="csrf_token" value="{{ token }}"></form>"""


def _engine():
    from app.config import normalise_database_url

    url = normalise_database_url(os.environ["BENCH_DATABASE_URL"])
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        from app.web import sqlite_pragmas  # noqa: F401 - WAL and busy timeout, as the app
    return engine


def prepare():
    engine = _engine()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), [{"id": i, "title": f"項目{i}"} for i in range(1, ROWS + 1)])
        conn.execute(
            answers.insert(),
            [
                {"slot": s, "item_id": i, "cur": 2, "tgt": 4, "evidence": "根拠"}
                for s in range(SLOTS)
                for i in range(1, ROWS + 1)
            ],
        )
    engine.dispose()


def _hello():
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


def _t():
    app = Flask("t")
    engine = _engine()
    template = app.jinja_env.from_string(T_TEMPLATE)
    query = (
        select(items.c.id, items.c.title, answers.c.cur, answers.c.tgt, answers.c.evidence)
        .select_from(
            items.outerjoin(answers, (answers.c.item_id == items.c.id) & (answers.c.slot == 0))
        )
        .order_by(items.c.id)
    )

    @app.route("/")
    def page():
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        return template.render(rows=rows)

    return app


class SaveForm(FlaskForm):
    slot = IntegerField(validators=[InputRequired(), NumberRange(0, SLOTS - 1)])


for _i in range(1, ROWS + 1):
    setattr(SaveForm, f"c{_i}", IntegerField(validators=[InputRequired(), NumberRange(0, 5)]))
    setattr(SaveForm, f"t{_i}", IntegerField(validators=[InputRequired(), NumberRange(0, 5)]))
    setattr(SaveForm, f"e{_i}", StringField(validators=[Length(max=2000)]))


def _bare_save():
    app = Flask("bare_save")
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "bench"), WTF_CSRF_TIME_LIMIT=None)
    CSRFProtect(app)
    engine = _engine()
    if engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    stmt = insert(answers)
    upsert = stmt.on_conflict_do_update(
        index_elements=[answers.c.slot, answers.c.item_id],
        set_={
            "cur": stmt.excluded.cur,
            "tgt": stmt.excluded.tgt,
            "evidence": stmt.excluded.evidence,
        },
    )

    @app.route("/save", methods=["GET", "POST"])
    def save():
        form = SaveForm()
        if form.is_submitted():
            if not form.validate():
                return "invalid", 400
            rows = [
                {
                    "slot": form.slot.data,
                    "item_id": i,
                    "cur": form[f"c{i}"].data,
                    "tgt": form[f"t{i}"].data,
                    "evidence": form[f"e{i}"].data,
                }
                for i in range(1, ROWS + 1)
            ]
            with engine.begin() as conn:
                conn.execute(upsert, rows)
            return redirect("/save")
        return render_template_string(SAVE_PAGE, token=generate_csrf())

    return app


def __getattr__(name):  # gunicorn bench.baselines:hello (built on first use, in the worker)
    factories = {"hello": _hello, "t": _t, "bare_save": _bare_save}
    if name in factories:
        app = factories[name]()
        globals()[name] = app
        return app
    raise AttributeError(name)
