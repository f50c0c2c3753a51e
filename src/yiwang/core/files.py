"""Headers for every file the platform serves, uploaded or generated, from its own origin.

A file is either a download (`Content-Disposition: attachment`) or a preview shown in the
page (`inline`, only on the preview routes). Either way it is sandboxed by its own
Content-Security-Policy: whatever it carries (a script in a PDF, HTML a browser might
sniff) runs with no origin, no scripts and no network, and `nosniff` keeps the browser
to the declared type. Previews may be framed by the site's own pages; nothing else may be framed at all.
"""

FRAMED_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'"
UNFRAMED_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def sandboxed(response, *, framed: bool = False, private: bool = True):
    """`framed`: a preview the site's own pages show in a frame; `private`: not cached."""
    response["Content-Security-Policy"] = FRAMED_CSP if framed else UNFRAMED_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN" if framed else "DENY"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
