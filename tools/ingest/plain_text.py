"""A report that is plain text: neither JSON, JSON Lines nor XML.

Some scanners only print lines (picklescan). The loader hands such a file over as a
``TextReport`` only after it passed the same checks as any report (size caps, valid UTF-8) and
only when it does not even start like JSON or XML, so a broken JSON report still fails with the
JSON parser's position. A text format's detector must then recognise the whole grammar; when none
does, the rejection repeats why the file was not JSON, which is what a user most likely meant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextReport:
    """The decoded text of a report, and why the JSON parser refused it."""

    text: str
    not_json: str
    """The JSON parser's reason (``not valid JSON: … at line 1 column 1``)."""

    def __repr__(self) -> str:  # the text is untrusted and may be large: never print it
        return f"TextReport({len(self.text)} characters)"
