"""A Sphinx extension for the book's website (build.py stages it into _ext/; _config.yml loads it).

Jupyter Book 1.x always loads sphinx-thebe. With no launch button its configuration script is still
added to every page, twice, which is a SyntaxError in the browser ("Identifier 'THEBE_JS_URL' has
already been declared") and names a CDN. The site has no live kernels, so both scripts are dropped.
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    files = context.get("script_files")
    if files:
        context["script_files"] = [
            js for js in files
            if "thebe" not in str(js) and "THEBE" not in getattr(js, "attributes", {}).get("body", "")
        ]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
