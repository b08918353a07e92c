"""The `newsearch` command line, above both the search API (`search`) and the web app (`web`)."""
