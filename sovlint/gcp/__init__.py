"""The live, read-only review of Google Cloud projects, folders or organisations (``sovlint gcp``).

One Cloud Asset Inventory search (``searchAllResources``) per scope returns the
resources of the asset types that hold data (``policies/cloud-asset-types.yaml``)
with their location and the service's own representation of each
(``versionedResources``): no per-service, per-project crawl. Each asset type
stands for a Terraform type, whose location semantics (``policies/locations/
google.yaml``) place the data: Cloud Storage multi-regions, BigQuery datasets,
Spanner configurations, Firestore locations, Pub/Sub message storage policies,
Secret Manager replication, Cloud SQL backups. The Google Cloud client library
(``sovlint[gcp]``) is imported by ``api`` only, and ``sovlint.cli`` imports this
package only when the ``gcp`` command runs.

Modules:

- ``api``: the Cloud Asset client (credentials, REST transport, bounded retries).
- ``normalise``: search results -> ``Resource`` (pure functions).
- ``collect``: the review: scopes, the paged search, failures per scope.
"""
