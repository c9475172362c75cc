"""A worked solution assembled from every layer's sections and the sections that span the whole
problem, rendered in every format (:mod:`.solution`)."""
