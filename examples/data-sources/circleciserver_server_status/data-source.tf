# Readiness of every service once the install is applied; a service that is not ready is
# also a warning saying what fails while it is down.
data "circleciserver_server_status" "this" {
  namespace = "circleci-server"
}

output "services" {
  value = data.circleciserver_server_status.this.services
}
