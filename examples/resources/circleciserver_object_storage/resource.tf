# On AWS: an S3 bucket, reached by the server through IRSA.
resource "circleciserver_object_storage" "this" {
  name        = "acme-circleci-data"
  expiry_days = 90
  access      = "irsa"
  aws {
    oidc_provider_arn = var.oidc_provider_arn
  }
}

# On GCP: a Cloud Storage bucket, reached by the server through workload identity.
resource "circleciserver_object_storage" "gcp" {
  name        = "acme-circleci-data-gcp"
  expiry_days = 90
  access      = "workload_identity"
  gcp {
    location = "us-east1"
  }
}
