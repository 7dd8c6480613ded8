"""The live, read-only review of AWS accounts (``sovlint aws``).

A normaliser like the file formats': it asks AWS where each data-bearing
resource is and builds the same ``Resource`` model, which the engine then
resolves and evaluates with the same rules. boto3 is imported by the modules
of this package only, and ``sovlint.cli`` imports them only when the ``aws``
command runs: a static scan never loads boto3.

Modules:

- ``operations``: every AWS operation the review may send, with its IAM action
  (the source of ``docs/aws-iam-policy.json``).
- ``api``: one account's clients; every call goes through ``AccountApi``,
  which refuses operations not in the table.
- ``regions``: which regions to review.
- ``normalise``: AWS API responses -> ``Resource`` (pure functions).
- ``services``: per-service collectors (the calls, then ``normalise``).
- ``organizations``: member accounts and the role assumed into them.
- ``collect``: the concurrent review of accounts x services x regions.
(The progress bar and what every live review shares are in ``sovlint.live``.)
"""
