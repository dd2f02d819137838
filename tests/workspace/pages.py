"""A small reader for rendered pages: which links, forms and buttons a person would see.

Tests assert on what the page offers (a link to the users page, a sign-out button)
rather than on exact markup, so a change of layout does not break them but a missing
entry does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: list[Element]
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def inside(self, tag: str, css_class: str | None = None) -> Element | None:
        """The nearest enclosing `tag` (with `css_class`, if given), or None."""
        for ancestor in reversed(self.ancestors):
            if ancestor.tag == tag and (css_class is None or css_class in ancestor.classes):
                return ancestor
        return None


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self._open))
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text_parts.append(data)

    def find_all(self, tag: str, css_class: str | None = None) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and (css_class is None or css_class in e.classes)
        ]

    def links_in(self, tag: str, css_class: str | None = None) -> dict[str, str]:
        """Visible text → href of every link inside the given container."""
        return {
            a.text: a.attrs.get("href", "")
            for a in self.find_all("a")
            if a.inside(tag, css_class) is not None
        }
