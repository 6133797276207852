# By the namespace of the install.
terraform import circleci_server.this circleci-server
