"""The live, read-only review of Azure subscriptions (``sovlint azure``).

One Azure Resource Graph query returns every resource of the scope with its
type, location, SKU, properties and tags: no per-service, per-region crawl.
The rows have the shape of ARM resources, so they are normalised with the ARM
type map (``policies/categories.yaml`` ``arm:``) and the ARM equivalents of the
azurerm location semantics (``policies/locations/azurerm.yaml``), like ARM
templates. The Azure SDK (``sovlint[azure]``) is imported by ``api`` only, and
``sovlint.cli`` imports this package only when the ``azure`` command runs.

Modules:

- ``api``: the Resource Graph client (credential, bounded retries, read-only pipeline).
- ``normalise``: Resource Graph rows -> ``Resource`` (pure functions).
- ``collect``: the review: which subscriptions, the paged query, failures per subscription.
"""
