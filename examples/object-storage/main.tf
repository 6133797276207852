# CircleCI Server's object storage on either cloud, through modules/object-storage: the bucket
# and the server's access to it.
#
# Against AWS: `terraform apply -var cloud=aws -var name=BUCKET` (the standard credential chain;
# give oidc_provider_arn for IRSA). Against GCP: `-var cloud=gcp -var project=PROJECT` after
# `gcloud auth application-default login`. The tests apply a copy against moto (with
# AWS_ENDPOINT_URL) and the project's fake GCP (with an emulators_override.tf beside it).

provider "circleciserver" {
  dynamic "aws" {
    for_each = var.cloud == "aws" ? [1] : []
    content {
      region       = var.region
      default_tags = var.tags
    }
  }
  dynamic "gcp" {
    for_each = var.cloud == "gcp" ? [1] : []
    content {
      project        = var.project
      region         = var.region
      default_labels = var.labels
    }
  }
}

module "object_storage" {
  source = "../../modules/object-storage"

  cloud             = var.cloud
  name              = var.name
  expiry_days       = 90
  oidc_provider_arn = var.oidc_provider_arn
}
