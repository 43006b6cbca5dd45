"""``make bench``: what the site's machinery costs, measured against plain Sphinx (see run.py)."""
