terraform import circleci_object_storage.this acme-circleci-data
