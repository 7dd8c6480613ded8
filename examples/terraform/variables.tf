variable "aws_region" {
  description = "Region of the AWS account used for archives."
  type        = string
  default     = "eu-west-3"
}

variable "ovh_project" {
  description = "OVHcloud Public Cloud project id."
  type        = string
}

variable "export_region" {
  description = "Where monthly exports go; chosen by the deployment pipeline."
  type        = string
}

locals {
  ovh_region = "GRA"
  env        = "prod"
}
