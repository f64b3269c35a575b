"""``annotator serve``: the app in a browser, one process per browser session.

- :mod:`.session`: plain rules (which command a session runs, which address the server
  binds to, what a request must carry); no web library;
- :mod:`.web`: the aiohttp server on top of textual-serve, imported only by
  ``annotator serve`` itself, from the optional ``web`` extra
  (``pip install 'annotator[web]'``).

Who is who comes from the project's ``invites`` (:mod:`annotator.store.invites`): a personal
token's hash, or a name that a trusted reverse proxy puts in a header; never a name written in
the URL.
"""
