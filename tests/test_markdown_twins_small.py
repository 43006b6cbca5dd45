"""Markdown twins, llms.txt and llms-full.txt of a small project (docs/_ext/markdown_twins.py).

Seconds per build instead of the whole site's: a home page with a captioned navigation and
an uncaptioned one, a page deeper in a folder, a page in no navigation, the writers' page
left out, and one page with everything a twin is taught to write (an example, tabs, a
provenance mark and a marked block, a note, links to other pages, a comment). What an
assistant reads is checked whole: llms.txt line for line, each twin's text.
"""

from pathlib import Path

import pytest
from site_build import EXAMPLES_CONF, REPO, build_project, record_examples, soup

CONF = EXAMPLES_CONF.replace('"examples"]', '"markdown_twins"]').replace('"ru"', '"en"') + (
    'provenance_target = "marks"\n'
    'html_theme = "furo"\n'
    f"templates_path = [{str(REPO / 'docs' / '_templates')!r}]  # the site's Markdown link\n"
)
PAGES = {
    "index.rst": (
        ".. meta::\n   :description: The home of the small site. Nothing more.\n\n"
        "Home\n====\n\n"
        ".. toctree::\n   :caption: Guides\n\n   guide\n   deep/page\n\n"
        ".. toctree::\n\n   sandbox\n   writing\n"
    ),
    "guide.rst": (
        "Guide\n=====\n\n"
        "The guide leads to :doc:`sandbox` and says more. Another sentence.\n\n"
        ".. _marks:\n\n"
        "Marks\n-----\n\n"
        "A site answers :sandbox:`with a token`.\n\n"
        ".. sandbox::\n\n   Only the sandbox does this.\n\n"
        ".. note::\n\n   A note for readers.\n\n"
        ".. tabs::\n\n   .. tab:: First\n\n      One.\n\n   .. tab:: Second\n\n      Two.\n\n"
        ".. example:: hello\n\n"
        ".. a comment for the writers\n\n"
        "See `the home <index.html>`__ and :doc:`deep/page`. Squared: 2\\ :sup:`2`.\n"
    ),
    "deep/page.rst": "Deep page\n=========\n\nBack to :doc:`/guide`.\n",
    "sandbox.rst": "Sandbox\n=======\n\nThe sandbox page. It says more.\n",
    "writing.rst": "Writing\n=======\n\nFor the writers.\n",
    "alone.rst": ":orphan:\n\nAlone\n=====\n\nIn no navigation.\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, built once for the module's tests (they only read what it wrote)."""
    tmp_path = tmp_path_factory.mktemp("twins")
    for name, text in {"conf.py": CONF, **PAGES}.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    hello = tmp_path / "snippets" / "hello"
    hello.mkdir(parents=True)
    (hello / "hello.py").write_text('# [START hello]\nprint("hello")\n# [END hello]\n')
    (hello / "hello.sh").write_text("# [START hello]\necho ```hello```\n# [END hello]\n")
    (hello / "output.test.txt").write_text("hello test\n")
    (hello / "output.production.txt").write_text("hello production\n")
    record_examples(hello)
    result = build_project(tmp_path, source="docs")
    assert result.returncode == 0, result.stderr
    return tmp_path


LLMS_TXT = """\
# Home

> The home of the small site.

Each page below is its text as Markdown, with its examples whole in every language; \
the whole site's text in one file: [llms-full.txt](llms-full.txt).

## Guides

- [Home](index.md): The home of the small site.
- [Guide](guide.md): The guide leads to Sandbox and says more.
- [Deep page](deep/page.md): Back to Guide.

## Home

- [Sandbox](sandbox.md): The sandbox page.

## More pages

- [Alone](alone.md): In no navigation.
"""
GUIDE_MD = """\
# Guide

The guide leads to [Sandbox](sandbox.md) and says more. Another sentence.

<a id="marks"></a>

## Marks

A site answers with a token *(Sandbox behavior)*.

> **Sandbox behavior:**
>\x20
> Only the sandbox does this.

#### NOTE
A note for readers.

**First:**

One.

**Second:**

Two.

**Python** (`hello/hello.py`):

```python
# [START hello]
print("hello")
# [END hello]
```

**curl** (`hello/hello.sh`):

````sh
# [START hello]
echo ```hello```
# [END hello]
````

**What the example prints in the sandbox — Test environment** (`hello/output.test.txt`):

```text
hello test
```

**What the example prints in the sandbox — Production environment** \
(`hello/output.production.txt`):

```text
hello production
```

See [the home](index.md) and [Deep page](deep/page.md). Squared: 2<sup>2</sup>.
"""
#: Reader pages in llms.txt's order.
READER_PAGES = ["index", "guide", "deep/page", "sandbox", "alone"]


def test_llms_txt_lists_each_reader_page_under_its_caption(project: Path) -> None:
    out = project / "_build"
    assert (out / "llms.txt").read_text(encoding="utf-8") == LLMS_TXT
    assert not (out / "writing.md").exists()  # the writers' page
    assert (out / "writing.html").is_file()


def test_a_twin_says_what_its_page_shows(project: Path) -> None:
    out = project / "_build"
    assert (out / "guide.md").read_text(encoding="utf-8") == GUIDE_MD
    # Links relative to the page: to the twins of reader pages, to the HTML of the others.
    assert (out / "deep" / "page.md").read_text(encoding="utf-8") == (
        "# Deep page\n\nBack to [Guide](../guide.md).\n"
    )
    assert "* [Sandbox](sandbox.md)\n* [Writing](writing.html)\n" in (
        (out / "index.md").read_text(encoding="utf-8")
    )


def test_llms_full_is_every_twin_in_order_with_links_from_the_root(project: Path) -> None:
    out = project / "_build"
    twins = [(out / f"{page}.md").read_text(encoding="utf-8").strip() for page in READER_PAGES]
    twins[2] = twins[2].replace("](../guide.md)", "](guide.md)")
    assert (out / "llms-full.txt").read_text(encoding="utf-8") == "\n\n\n".join(twins) + "\n"


def test_each_reader_page_links_its_twin(project: Path) -> None:
    out = project / "_build"
    for page in READER_PAGES:
        html = soup(out / f"{page}.html")
        name = page.rpartition("/")[2] + ".md"
        head = html.select_one('link[rel=alternate][type="text/markdown"]')
        assert head is not None, page
        assert (head["href"], head["title"]) == (name, "The text of this page as Markdown")
        link = html.select_one("nav.markdown-twin a")
        assert (link["href"], link.get_text(), link["title"]) == (
            name,
            "Markdown",
            "The text of this page as Markdown",
        )
    writing = soup(out / "writing.html")
    assert not writing.select('link[type="text/markdown"], nav.markdown-twin')


def test_an_example_the_twin_cannot_read_fails_the_build_at_its_line(tmp_path: Path) -> None:
    """An example whose files the twin finds none of (the directive changed how it
    includes them, say) is never a silent gap in what an assistant reads."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text(CONF, encoding="utf-8")
    page = "Home\n====\n\nText.\n\n.. container:: example\n\n   No file.\n"
    (tmp_path / "docs" / "index.rst").write_text(page, encoding="utf-8")
    (tmp_path / "docs" / "marks.rst").write_text(":orphan:\n\n.. _marks:\n\nMarks\n=====\n")
    result = build_project(tmp_path, source="docs")
    assert result.returncode != 0
    assert (
        "index.rst:6: WARNING: example: no included file found for the page's Markdown twin"
        in result.stderr
    ), result.stderr
