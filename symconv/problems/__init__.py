"""A problem and what is computed over its chain of registered layers: building it from a
specification (:mod:`.problem`), the forward pass (:mod:`.forward`), the matrix view
(:mod:`.matrix`) and the independent routes to every gradient compared (:mod:`.checks`)."""
