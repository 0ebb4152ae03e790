"""Where raw folders come from: files, the demo generator, live pulls and the stand-in."""
