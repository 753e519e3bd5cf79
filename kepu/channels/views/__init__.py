"""Staff pages of the channels app: outlets and columns, the issue log, new-media accounts and the
科普中国 information officers."""
