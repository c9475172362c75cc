"""The core every other package speaks: exact polynomials and roots, tensors, the one error family,
reading a problem's specification, the worked solutions' vocabulary (:mod:`.document`), the layer
contract in types, and the registry of looks the core classes ask (so the core never imports a
printer). Nothing here imports another symconv package."""
