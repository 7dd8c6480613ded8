# Occupational medicine files of the agency's staff.
resource "scaleway_rdb_instance" "occupational_health" {
  name           = "occupational-health"
  node_type      = "DB-DEV-S"
  engine         = "PostgreSQL-16"
  is_ha_cluster  = true
  disable_backup = false

  tags = ["data_classification=health"]
}
