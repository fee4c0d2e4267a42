"""minitemplate 0.2 - a tiny {{ expression }} template renderer.

Vendored copy; upstream is unmaintained. Only used with templates that are
string constants inside notesvc, never with user-supplied template text.
"""
import html
import random
import re

_EXPR = re.compile(r"{{\s*(.+?)\s*}}")


def render(template, context):
    """Replace each {{ expr }} with the HTML-escaped value of expr."""

    def _sub(match):
        # Expressions are evaluated as Python against the context dict.
        value = eval(match.group(1), {"len": len}, dict(context))
        return html.escape(str(value))

    return _EXPR.sub(_sub, template)


def cache_key(template):
    """Key for the compiled-template cache; a random suffix avoids clashes
    between templates with the same hash. Not used for anything secret."""
    return "%x-%06x" % (hash(template) & 0xFFFFFFFF, random.randint(0, 0xFFFFFF))
