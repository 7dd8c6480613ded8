resource "aws_s3_bucket" "archives" {
  bucket = "app-archives-${local.env}"
}

resource "aws_s3_bucket" "archives_copy" {
  provider = aws.virginia
  bucket   = "app-archives-copy-${local.env}"
}

resource "aws_s3_bucket_replication_configuration" "archives" {
  bucket = aws_s3_bucket.archives.id
  role   = "arn:aws:iam::123456789012:role/replication"

  rule {
    id     = "everything"
    status = "Enabled"

    destination {
      bucket = aws_s3_bucket.archives_copy.arn
    }
  }
}

resource "aws_s3_bucket" "exports" {
  region = var.export_region
  bucket = "app-exports-${local.env}"
}

resource "aws_s3_bucket" "website" {
  bucket = "www-app-example-fr"

  tags = {
    data_classification = "public"
  }
}
