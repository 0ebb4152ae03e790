"""Where raw folders come from: the loader of files (one canonical schema), and live pulls."""
