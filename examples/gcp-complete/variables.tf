variable "project" {
  description = "The GCP project (billing on)."
  type        = string
}

variable "region" {
  description = "Region to make everything in."
  type        = string
  default     = "us-east1"
}

variable "domain" {
  description = "Domain name of the server (global.domainName), e.g. circleci.example.com."
  type        = string
}

variable "github_client_id" {
  description = "Client ID of the GitHub OAuth app the server signs in with."
  type        = string
}

variable "github_client_secret" {
  description = "Client secret of that OAuth app."
  type        = string
  sensitive   = true
}

variable "license" {
  description = "The license CircleCI sends you."
  type        = string
  sensitive   = true
}

variable "image_registry_username" {
  description = "Username for CircleCI's image registry, sent with the license."
  type        = string
}

variable "image_registry_password" {
  description = "Password for CircleCI's image registry, sent with the license."
  type        = string
  sensitive   = true
}

variable "api_authorized_cidrs" {
  description = "Where Terraform runs from, to reach the GKE API (e.g. your office's range)."
  type        = list(string)
}

variable "labels" {
  description = "Labels on every GCP object that takes them (the provider adds its managed-by label)."
  type        = map(string)
  default     = { project = "circleci-server" }
}
