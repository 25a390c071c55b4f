"""Lesson and notebook rendering, done once at import time, never on a page view.

Everything that reaches a page goes through :func:`sanitise`: course folders may come
from anyone with a teacher role, and a ``<script>`` or ``onerror=`` in a lesson must
never run in a student's browser. Math is left as TeX for the locally served KaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # data: URLs only as raster images; a data: link could carry an HTML document.
    if value.lower().startswith("data:"):
        return value if tag == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None
    if attribute == "id":
        return "h-" + re.sub(r"[^a-zA-Z0-9_-]", "", value)[:80]
    return value


def sanitise(html: str) -> str:
    """Reduce HTML to a safe subset: no scripts, no event handlers, no styles, no frames."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_to_html(text: str) -> str:
    """Markdown with TeX math ($...$, $$...$$), fenced code highlighted by Pygments, tables."""
    import markdown

    md = markdown.Markdown(
        extensions=[
            "pymdownx.arithmatex",
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.tasklist",
            "tables",
            "toc",
            "admonition",
            "footnotes",
            "sane_lists",
        ],
        extension_configs={
            "pymdownx.arithmatex": {"generic": True},
            "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight"},
        },
        output_format="html",
    )
    return sanitise(md.convert(text))


def notebook_to_html(notebook_json: str) -> str:
    """A notebook as a static, sanitised fragment: inputs, text and image outputs, no widgets."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.reads(notebook_json, as_version=4)
    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _resources = exporter.from_notebook_node(nb)
    return sanitise(body)


def translated_notebook(notebook_json: str, lang: str = "zh") -> str | None:
    """The notebook with each Markdown cell's text replaced by its translation, or None if it has none.

    A translation lives in the cell's own metadata, ``metadata.liangzhi.<lang>`` (the translated
    Markdown: ``zh`` in an English course, ``en`` in a Chinese one), so one notebook carries both
    languages and nbgrader's cell ids, solutions and hidden tests stay single-sourced. Cells without a
    translation keep their source text, which is in the course's language (``courses.notebook_lang``).
    """
    import nbformat

    from .notebook_lang import translatable

    nb = nbformat.reads(notebook_json, as_version=4)
    found = False
    for cell in nb.cells:
        text = (cell.get("metadata", {}).get("liangzhi") or {}).get(lang)
        # never an nbgrader answer/locked cell: its checksum covers the source, and on a written answer the
        # "translation" is the model answer, still in the student version's metadata (courses.notebook_lang)
        if cell.cell_type == "markdown" and isinstance(text, str) and text.strip() and translatable(cell):
            cell.source = text
            found = True
    return nbformat.writes(nb) if found else None


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)


def relative_image_paths(html: str) -> list[str]:
    """Relative image sources in rendered HTML (figures that ship beside a lesson)."""
    found = []
    for match in _IMG_SRC.finditer(html):
        src = match.group(2)
        if not re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", src, re.IGNORECASE):
            found.append(src)
    return found


def rewrite_image_sources(html: str, resolve: Callable[[str], str | None]) -> str:
    """Point relative image sources at the site's file view; unknown ones are dropped."""

    def _sub(match: re.Match[str]) -> str:
        src = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", src, re.IGNORECASE):
            return match.group(0)
        url = resolve(src)
        return f"{match.group(1)}{url or ''}{match.group(3)}"

    return _IMG_SRC.sub(_sub, html)
