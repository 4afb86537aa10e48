"""The book's Sphinx extensions (listed in book/_config.yml, sphinx.extra_extensions)."""
