# By the namespace of the install.
terraform import circleciserver_server.this circleci-server
