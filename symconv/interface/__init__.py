"""Where people use symconv: the command line (:mod:`.cli`) and notebooks and the REPL
(:mod:`.notebook`)."""
