"""The index version's 先行企業 rule in words, for the results page, its PDF and the bureau
report. The index file's own description is Japanese (the version's words, with its
attribution) and is shown as it is on Japanese pages; other languages get the rule stated
from its fields, so an English page does not show a Japanese sentence."""

from flask_babel import get_locale, gettext

from app.web.locale import DEFAULT


def leading_rule_text(rule, index) -> str:
    if str(get_locale() or DEFAULT) == DEFAULT:
        return rule.description
    value = rule.threshold
    if rule.scope == "overall":
        if rule.scale == "current":
            return gettext("現在値の平均が%(value)s以上", value=value)
        return gettext("目標値の平均が%(value)s以上", value=value)
    framework = index.framework(rule.scope).name
    if rule.scale == "current":
        return gettext(
            "%(framework)sの現在値の平均が%(value)s以上", framework=framework, value=value
        )
    return gettext("%(framework)sの目標値の平均が%(value)s以上", framework=framework, value=value)
