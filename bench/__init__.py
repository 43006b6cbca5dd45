"""``make bench``: what the site's machinery costs against plain Sphinx (see __main__.py)."""
