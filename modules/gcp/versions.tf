terraform {
  required_version = ">= 1.0"
  required_providers {
    circleci = {
      source = "circleci-server/circleci"
    }
  }
}
