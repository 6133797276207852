provider "circleciserver" {
  aws {
    region       = "us-east-1"
    default_tags = { team = "ci-platform" }
    # assume_role { role_arn = "arn:aws:iam::123456789012:role/circleci-server-admin" }
  }
}
