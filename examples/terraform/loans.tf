# The loan ledger: strategic data on a French provider in France.
resource "ovh_cloud_project_database" "loans" {
  service_name = var.ovh_project
  description  = "loans-${local.env}"
  engine       = "postgresql"
  version      = "16"
  plan         = "essential"
  flavor       = "db1-7"

  nodes {
    region = local.ovh_region
  }
}

# Case files on a SecNumCloud-qualified region.
resource "outscale_volume" "case_files" {
  subregion_name = "cloudgouv-eu-west-1a"
  size           = 500
  volume_type    = "gp2"
}
