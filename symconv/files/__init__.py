"""Reading and writing files: problem files, class rosters, TOML, output files and folders written
into what the user named, and compiled PDFs."""
