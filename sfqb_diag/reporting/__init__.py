"""The report: run `check`, execute the notebooks headless, write the HTML pages and their index."""
