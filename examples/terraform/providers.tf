terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    ovh = {
      source = "ovh/ovh"
    }
    outscale = {
      source = "outscale/outscale"
    }
    scaleway = {
      source = "scaleway/scaleway"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      owner               = "app-dsi"
      data_classification = "strategic"
    }
  }
}

# Set up years ago for a migration test, never removed.
provider "aws" {
  alias  = "virginia"
  region = "us-east-1"
}

provider "ovh" {
  endpoint = "ovh-eu"
}

provider "outscale" {
  region = "cloudgouv-eu-west-1"
}

provider "scaleway" {
  region = "fr-par"
  zone   = "fr-par-1"
}
