"""What a submission's outputs may carry into the autograded notebook and the feedback HTML.

- :func:`plain_text`: the text an output shows a reader, for :func:`autograder.integrity.output_flags`:
  HTML tags stripped and entities decoded, compatibility forms folded (NFKC: fullwidth and mathematical
  letters), invisible format characters and combining marks dropped, and Cyrillic and Greek look-alikes of
  Latin letters mapped to them, so that "All tеsts pаssed" (Cyrillic е and а) reads as what it imitates.
- :func:`sanitize_outputs`: rich outputs cleaned before they are saved: no JavaScript, no ``<style>``,
  ``<script>``, ``<iframe>``, ``<link>`` or ``<meta>``, no ``style`` or event attributes (a banner's CSS
  could hide the error boxes of the feedback, or restyle the score), for HTML, Markdown and SVG alike.
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Cyrillic and Greek letters that look like Latin ones.
CONFUSABLES = str.maketrans(
    "аАвВеЕёЁкКмМнНоОрРсСтТуУхХѕЅіІїЇјЈԁԛԝɡһӏαΑβΒεΕζΖηΗιΙκΚμΜνΝοΟρΡτΤυΥχΧ",
    "aABBeEeEkKmMhHoOpPcCtTyYxXsSiIiIjJdqwghlaABBeEzZnHiIkKuMvNoOpPtTuYxX",
)
_TAG = re.compile(r"<[^>]*>")
_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|noscript|template)\b.*?(</\1\s*>|$)", re.I | re.S)
_MIXED = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])\w+\b")
#: Output types that a reader sees as text or markup.
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml")
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var",
}  # fmt: skip
SAFE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "width", "height"], "th": ["colspan", "rowspan"],
                   "td": ["colspan", "rowspan"], "*": ["title"]}  # fmt: skip


def fold(text: str) -> str:
    """``text`` with look-alike letters folded to Latin (see the module docstring)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
    return unicodedata.normalize("NFKC", text).translate(CONFUSABLES)


def mixed_words(text: str) -> list[str]:
    """Words that mix Latin letters with Cyrillic or Greek ones (homoglyph spoofing)."""
    return _MIXED.findall(unicodedata.normalize("NFKC", text))


def output_text(output: dict) -> str:
    """Everything a reader sees of one output as text (stream, error message, text-like data)."""
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    if output.get("output_type") == "error":
        return f"{output.get('ename', '')}: {output.get('evalue', '')}"
    data = output.get("data", {}) or {}
    parts = []
    for mime in TEXT_TYPES:
        value = data.get(mime)
        if value:
            value = "".join(value) if isinstance(value, list) else str(value)
            parts.append(html.unescape(_TAG.sub(" ", _BLOCKS.sub(" ", value))) if mime != "text/plain" else value)
    return "\n".join(parts)


def plain_text(outputs: list) -> str:
    """What a list of outputs shows as text, look-alikes folded."""
    return fold("\n".join(output_text(o) for o in outputs))


def clean_markup(markup: str) -> str:
    """HTML (or Markdown, SVG) without scripts, styles, frames, event handlers or style attributes."""
    markup = _BLOCKS.sub("", markup)
    try:
        import bleach
    except ImportError:  # pragma: no cover - bleach comes with nbconvert
        return html.escape(_TAG.sub("", markup), quote=False)
    return bleach.clean(markup, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, protocols={"http", "https", "data"},
                        strip=True, strip_comments=True)  # fmt: skip


def sanitize_outputs(outputs: list) -> list:
    """``outputs`` with every rich output made safe to render (see the module docstring); text is kept."""
    for out in outputs:
        data = out.get("data")
        if not isinstance(data, dict):
            continue
        for mime in list(data):
            if "javascript" in mime or "widget" in mime or mime in ("text/x-python-repr",):
                del data[mime]
            elif mime in ("text/html", "text/markdown", "image/svg+xml"):
                value = "".join(data[mime]) if isinstance(data[mime], list) else str(data[mime])
                if mime == "image/svg+xml":
                    if re.search(r"<script|\bon\w+\s*=|javascript:|<foreignObject", value, re.I):
                        del data[mime]
                else:
                    data[mime] = clean_markup(value)
        if not data:
            data["text/plain"] = "[grader: output removed (scripts are not kept)]"
        if "metadata" in out and isinstance(out["metadata"], dict):
            out["metadata"] = {k: v for k, v in out["metadata"].items() if k in ("image/png", "image/jpeg")}
    return outputs
