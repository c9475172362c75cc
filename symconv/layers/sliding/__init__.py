"""Sliding windows over a grid, shared by the layer types that slide one (convolutions, transposed
convolutions, pooling) as equals: the index arithmetic of windows, padding, stride, dilation and
zero insertion (:mod:`.geometry`), the layers whose every output is a sum of products over a
window (:mod:`.layer`), their closed forms and NumPy references (:mod:`.closed_form`,
:mod:`.reference`), their problem-file keys (:mod:`.reading`) and the worked-solution pieces they
share (:mod:`.sections`). Nothing here imports a layer type's home."""
