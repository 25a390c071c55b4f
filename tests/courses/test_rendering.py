"""Everything rendered from course content is sanitised: no script ever runs."""

from __future__ import annotations

import json

import pytest

from courses.rendering import markdown_to_html, notebook_to_html, sanitise

pytestmark = pytest.mark.unit

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.example"><input name=p></form>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_attacks_are_neutralised(attack: str) -> None:
    html = markdown_to_html(f"# Title\n\n{attack}\n")
    lowered = html.lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "data:text", "onload", "style=", "<form", "<input"):
        assert bad not in lowered, (attack, html)
    assert "<h1" in html


def test_markdown_keeps_math_code_and_tables() -> None:
    html = markdown_to_html("Inline $a^2$ and\n\n$$\\sum_i x_i$$\n\n```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '<span class="arithmatex">\\(a^2\\)</span>' in html
    assert '<div class="arithmatex">\\[\\sum_i x_i\\]</div>' in html
    assert '<div class="highlight">' in html and '<span class="n">x</span>' in html
    assert "<table>" in html


def test_notebook_outputs_are_sanitised_and_images_kept() -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "Math $x$ <script>alert(1)</script>"},
            {
                "cell_type": "code", "metadata": {}, "execution_count": 1, "source": "show()",
                "outputs": [
                    {"output_type": "display_data", "metadata": {}, "data": {"text/html": '<b onmouseover="alert(1)">bold</b><script>steal()</script>'}},
                    {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}},
                ],
            },
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    html = notebook_to_html(json.dumps(nb))
    assert "<script" not in html.lower() and "onmouseover" not in html and "steal()" not in html
    assert "<b>bold</b>" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "Math $x$" in html


def test_sanitise_drops_data_urls_outside_images() -> None:
    assert "data:" not in sanitise('<a href="data:image/png;base64,AAAA">x</a>')
    assert 'src="data:image/png;base64,AAAA"' in sanitise('<img src="data:image/png;base64,AAAA">')
    assert "data:" not in sanitise('<img src="data:image/svg+xml;base64,AAAA">')
