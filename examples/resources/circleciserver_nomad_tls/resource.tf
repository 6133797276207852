resource "circleciserver_nomad_tls" "this" {
  extra_server_sans = ["nomad.circleci.example.com"]
}
