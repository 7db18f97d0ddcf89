"""Beat classes, MIT-BIH symbols and the AAMI mapping (the contract in ARCHITECTURE.md)."""

from __future__ import annotations

#: The model's 8 output classes, in output order.
CLASSES: tuple[str, ...] = ("NOR", "LBB", "RBB", "APC", "PVC", "PAB", "VEB", "VFW")

#: Human-readable meaning of each class code.
CLASS_NAMES: dict[str, str] = {
    "NOR": "normal beat",
    "LBB": "left bundle branch block beat",
    "RBB": "right bundle branch block beat",
    "APC": "atrial premature contraction",
    "PVC": "premature ventricular contraction",
    "PAB": "paced beat",
    "VEB": "ventricular escape beat",
    "VFW": "ventricular flutter wave",
}

#: MIT-BIH symbol of each class (the strict 8-class protocol of Jun et al. 2018).
CLASS_SYMBOL: dict[str, str] = {
    "NOR": "N",
    "LBB": "L",
    "RBB": "R",
    "APC": "A",
    "PVC": "V",
    "PAB": "/",
    "VEB": "E",
    "VFW": "!",
}
SYMBOL_CLASS_STRICT: dict[str, str] = {s: c for c, s in CLASS_SYMBOL.items()}

#: AAMI class of each model class; VFW has none (a flutter wave is not a beat in EC57).
CLASS_AAMI: dict[str, str | None] = {
    "NOR": "N",
    "LBB": "N",
    "RBB": "N",
    "APC": "S",
    "PVC": "V",
    "PAB": "Q",
    "VEB": "V",
    "VFW": None,
}

#: AAMI class of every MIT-BIH beat symbol, used for evaluation.
SYMBOL_AAMI: dict[str, str] = {
    "N": "N",
    "L": "N",
    "R": "N",
    "e": "N",
    "j": "N",
    "A": "S",
    "a": "S",
    "J": "S",
    "S": "S",
    "V": "V",
    "E": "V",
    "F": "F",
    "/": "Q",
    "f": "Q",
    "Q": "Q",
}
AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")

#: Training label of each symbol for the shipped model. Besides the 8 strict symbols, the
#: other symbols of the same AAMI class whose morphology matches one class are folded in
#: (escape/junctional beats -> NOR; aberrated, nodal and supraventricular premature -> APC)
#: because the product must place them somewhere; F, f and Q have no class and are left out.
SYMBOL_CLASS_TRAIN: dict[str, str] = {
    **SYMBOL_CLASS_STRICT,
    "e": "NOR",
    "j": "NOR",
    "a": "APC",
    "J": "APC",
    "S": "APC",
}

#: Every symbol that marks a beat (reference for detection scoring), plus "!" flutter waves.
BEAT_SYMBOLS: frozenset[str] = frozenset(SYMBOL_AAMI)
