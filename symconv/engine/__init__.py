"""The machinery every layer type plugs into, generic over layers: the chain-rule derivation as data
(:mod:`.derivation`, :mod:`.product_sums`), the layer-type registry and the local derivatives several
layer types share (:mod:`.registry`, :mod:`.local_derivatives`), and what worked-solution sections are
built from (:mod:`.sections`, :mod:`.figures`). It names no layer kind and imports no layer."""
