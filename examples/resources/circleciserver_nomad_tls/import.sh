# From a directory holding ca.pem, ca-key.pem, server.pem, server-key.pem, client.pem and
# client-key.pem (or server-terraform's names: nomad_tls_ca.pem, nomad_ca_key.pem,
# nomad_server_cert.pem, nomad_server_key.pem, nomad_client_cert.pem, nomad_client_key.pem).
terraform import circleciserver_nomad_tls.this ./nomad-tls
# Or naming each file.
terraform import circleciserver_nomad_tls.this ca=ca.pem,ca_key=ca-key.pem,server=server.pem,server_key=server-key.pem,client=client.pem,client_key=client-key.pem
