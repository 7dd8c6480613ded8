"""What the live reviews (``sovlint aws``, ``sovlint azure``, ``sovlint gcp``) share.

- ``review``: the answer of a review (``LiveReview``), the error that stops one
  before it starts (``LiveSetupError``), and suppressions read from tags or labels.
- ``progress``: the progress bar on a terminal's stderr.

Each cloud's own package imports its SDK; nothing here does.
"""
