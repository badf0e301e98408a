"""`coprod init`: a sample board and a config to try the service with."""
