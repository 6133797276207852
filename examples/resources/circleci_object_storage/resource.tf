resource "circleci_object_storage" "this" {
  name        = "acme-circleci-data"
  expiry_days = 90
  access      = "irsa"
  aws {
    oidc_provider_arn = var.oidc_provider_arn
  }
}
