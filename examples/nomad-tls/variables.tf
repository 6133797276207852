variable "nomad_load_balancer_name" {
  description = "DNS name of the Nomad control plane's load balancer, added to the server certificate."
  type        = string
  default     = "nomad.circleci.example.com"
}
