"""The sidebar navigation built once per folder is the one furo builds for each page."""

from pathlib import Path

from site_build import RUSSIAN_ONLY, make_html
from warm_sphinx import WarmSphinx

NESTED = {
    "auth/extra/index.rst": (
        ".. _extra:\n\nExtra\n=====\n\n.. toctree::\n\n   deep\n   deeper/leaf\n"
    ),
    "auth/extra/deep.rst": ".. _deep:\n\nDeep\n====\n\nText.\n",
    "auth/extra/deeper/leaf.rst": ".. _leaf:\n\nLeaf\n====\n\nText.\n",
}


def test_cached_navigation_equals_furos_on_every_page(
    docs_copy: Path, tmp_path: Path, warm_sphinx: WarmSphinx
) -> None:
    # Pages three levels deep and in sub-folders, under an existing page.
    for name, text in NESTED.items():
        (docs_copy / name).parent.mkdir(parents=True, exist_ok=True)
        (docs_copy / name).write_text(text, encoding="utf-8")
    with (docs_copy / "auth" / "device-flow.rst").open("a", encoding="utf-8") as page:
        page.write("\n.. toctree::\n   :hidden:\n\n   extra/index\n")
    # With verification on, any page whose cached navigation differs is a warning.
    build = make_html(
        tmp_path / "_build",
        docs_copy,
        options=f"-D navigation_cache_verify=1 {RUSSIAN_ONLY}",
        sphinx=warm_sphinx,
    )
    assert build.returncode == 0, build.output
    leaf = tmp_path / "_build" / "html" / "ru" / "auth" / "extra" / "deeper" / "leaf.html"
    html = leaf.read_text(encoding="utf-8")
    assert html.count('<li class="toctree-l') > len(NESTED)
    current = '<li class="toctree-l4 current current-page"><a class="current reference internal"'
    assert f'{current} href="#">' in html


def test_a_changed_title_reaches_every_page_navigation(
    docs_copy: Path, tmp_path: Path, warm_sphinx: WarmSphinx
) -> None:
    builddir = tmp_path / "_build"
    assert make_html(builddir, docs_copy, options=RUSSIAN_ONLY, sphinx=warm_sphinx).returncode == 0
    page = docs_copy / "api-key.rst"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Получение api-key\n=================\n", "Ключ api-key\n============\n"
        ),
        encoding="utf-8",
    )
    again = make_html(builddir, docs_copy, options=RUSSIAN_ONLY, sphinx=warm_sphinx)
    assert again.returncode == 0, again.output
    assert again.output.count("0 added, 1 changed, 0 removed") == 2  # one page re-read
    # first-request.html neither changed nor links to the page, yet its sidebar shows the new title.
    other = (builddir / "html" / "ru" / "first-request.html").read_text(encoding="utf-8")
    assert ">Ключ api-key</a>" in other
    assert ">Получение api-key</a>" not in other
